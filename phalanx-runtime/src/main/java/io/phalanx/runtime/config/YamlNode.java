package io.phalanx.runtime.config;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A node of the parsed cluster file that knows its own key path, so that every type, range
 * and presence check can say exactly where the file is wrong. Strict on purpose: numbers must
 * be YAML integers (not strings), and keys the schema does not know are errors, because a
 * misspelt key silently falling back to a default is the worst kind of config bug.
 */
final class YamlNode {
    private final JsonNode node;
    private final String path;

    YamlNode(JsonNode node, String path) {
        this.node = node;
        this.path = path;
    }

    String path() {
        return path;
    }

    private String child(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** Fails on any key outside {@code known}; call it first so typos are reported as such. */
    YamlNode onlyKeys(Set<String> known) throws ConfigException {
        if (!node.isObject()) {
            throw new ConfigException(path.isEmpty() ? "(file)" : path, "must be a mapping of keys to values");
        }
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!known.contains(name)) {
                throw new ConfigException(child(name), "unknown key; known keys here: " + new TreeSet<>(known));
            }
        }
        return this;
    }

    boolean has(String key) {
        return node.has(key) && !node.get(key).isNull();
    }

    YamlNode required(String key) throws ConfigException {
        if (!has(key)) {
            throw new ConfigException(child(key), "missing required key");
        }
        return new YamlNode(node.get(key), child(key));
    }

    /** The section under {@code key}, or an empty mapping when absent (all its keys then default). */
    YamlNode optionalSection(String key) throws ConfigException {
        if (!has(key)) {
            return new YamlNode(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode(), child(key));
        }
        return required(key);
    }

    List<YamlNode> list(String key, boolean required) throws ConfigException {
        if (!has(key)) {
            if (required) {
                throw new ConfigException(child(key), "missing required key");
            }
            return List.of();
        }
        JsonNode value = node.get(key);
        if (!value.isArray()) {
            throw new ConfigException(child(key), "must be a list");
        }
        List<YamlNode> out = new ArrayList<>();
        for (int i = 0; i < value.size(); i++) {
            out.add(new YamlNode(value.get(i), child(key) + "[" + i + "]"));
        }
        return out;
    }

    long requiredLong(String key, long min, long max) throws ConfigException {
        return asLong(required(key), min, max);
    }

    long optionalLong(String key, long defaultValue, long min, long max) throws ConfigException {
        return has(key) ? asLong(required(key), min, max) : defaultValue;
    }

    int requiredInt(String key, int min, int max) throws ConfigException {
        return (int) requiredLong(key, min, max);
    }

    int optionalInt(String key, int defaultValue, int min, int max) throws ConfigException {
        return (int) optionalLong(key, defaultValue, min, max);
    }

    /** A YAML boolean ({@code true}/{@code false}); strings such as {@code "yes"} are refused. */
    boolean optionalBoolean(String key, boolean defaultValue) throws ConfigException {
        if (!has(key)) {
            return defaultValue;
        }
        YamlNode value = required(key);
        if (!value.node.isBoolean()) {
            throw new ConfigException(value.path, "must be true or false, got '" + value.node.asText() + "'");
        }
        return value.node.asBoolean();
    }

    String optionalString(String key, String defaultValue) throws ConfigException {
        return has(key) ? requiredString(key) : defaultValue;
    }

    String requiredString(String key) throws ConfigException {
        YamlNode value = required(key);
        if (!value.node.isTextual() && !value.node.isNumber()) {
            throw new ConfigException(value.path, "must be a string");
        }
        String text = value.node.asText().trim();
        if (text.isEmpty()) {
            throw new ConfigException(value.path, "must not be empty");
        }
        return text;
    }

    private static long asLong(YamlNode value, long min, long max) throws ConfigException {
        if (!value.node.isIntegralNumber() || !value.node.canConvertToLong()) {
            throw new ConfigException(value.path, "must be an integer, got '" + value.node.asText() + "'");
        }
        long number = value.node.asLong();
        if (number < min || number > max) {
            throw new ConfigException(value.path, "must be in " + min + ".." + max + ", got " + number);
        }
        return number;
    }
}

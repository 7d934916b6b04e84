package io.phalanx.runtime.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A cluster file with the certificate files it names, in one value a join ticket can carry: a
 * replica added to a running cluster then needs nothing but its own key and the ticket. The
 * cluster file is {@value #CLUSTER_FILE}, its certificate paths rewritten to {@code keys/NAME}
 * under the same directory; {@link #extractTo} writes them out so that {@link ClusterConfigLoader}
 * reads (and checks) them as any cluster file.
 *
 * @param files file contents by relative path: {@value #CLUSTER_FILE} and {@code keys/NAME}
 */
public record ClusterBundle(Map<String, byte[]> files) {
    /** The cluster file's name in the bundle. */
    public static final String CLUSTER_FILE = "cluster.yaml";
    /** What a bundled path may be: the cluster file, or a plain file name under {@code keys/}. */
    private static final Pattern PATH = Pattern.compile("cluster\\.yaml|keys/[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}");
    /** The most files a bundle holds (the cluster file and a certificate per replica and client). */
    private static final int FILES_MAX = 100_000;

    /**
     * Copies the files, sorted by path, and checks their paths.
     *
     * @param files file contents by relative path
     * @throws IllegalArgumentException if the cluster file is missing or a path is not one a bundle holds
     */
    public ClusterBundle {
        TreeMap<String, byte[]> sorted = new TreeMap<>();
        files.forEach((path, content) -> {
            if (!PATH.matcher(path).matches()) {
                throw new IllegalArgumentException("a cluster bundle holds " + CLUSTER_FILE
                        + " and files under keys/, not '" + path + "'");
            }
            sorted.put(path, content.clone());
        });
        if (!sorted.containsKey(CLUSTER_FILE)) {
            throw new IllegalArgumentException("a cluster bundle needs its " + CLUSTER_FILE);
        }
        files = Collections.unmodifiableMap(sorted);
    }

    /**
     * Bundles the cluster file at {@code clusterFile} with every certificate it names.
     *
     * @param clusterFile the cluster file
     * @return the bundle
     * @throws IOException if the file or a certificate cannot be read, or the file is no YAML
     *                     mapping; the message names the file
     */
    public static ClusterBundle of(Path clusterFile) throws IOException {
        Path base = clusterFile.toAbsolutePath().getParent();
        YAMLMapper mapper = new YAMLMapper();
        JsonNode root;
        try {
            root = mapper.readTree(Files.readString(clusterFile));
        } catch (JacksonException e) {
            throw new IOException("cluster file " + clusterFile + ": not valid YAML: " + e.getOriginalMessage(), e);
        }
        if (!(root instanceof ObjectNode)) {
            throw new IOException("cluster file " + clusterFile + ": not a YAML mapping");
        }
        Map<String, byte[]> files = new TreeMap<>();
        for (String section : new String[] {"replicas", "clients"}) {
            for (JsonNode entry : root.path(section)) {
                JsonNode certificate = entry.get("certificate");
                if (!(entry instanceof ObjectNode node) || certificate == null || !certificate.isTextual()) {
                    continue; // the loader reports it when the bundle is loaded
                }
                Path file = base.resolve(certificate.asText());
                byte[] content = Files.readAllBytes(file);
                node.put("certificate", place(files, file.getFileName().toString(), content));
            }
        }
        files.put(CLUSTER_FILE, mapper.writeValueAsString(root).getBytes(StandardCharsets.UTF_8));
        return new ClusterBundle(files);
    }

    /** Adds {@code content} under {@code keys/}, by its file name unless another file has that name; its path. */
    private static String place(Map<String, byte[]> files, String name, byte[] content) {
        String safe = name.replaceAll("[^A-Za-z0-9._-]", "_").replaceFirst("^\\.", "_");
        for (int attempt = 0; ; attempt++) {
            String path = "keys/" + (attempt == 0 ? safe : attempt + "-" + safe);
            byte[] there = files.get(path);
            if (there == null) {
                files.put(path, content);
                return path;
            }
            if (Arrays.equals(there, content)) {
                return path;
            }
        }
    }

    /**
     * Writes the files under {@code dir} (each replaced atomically) and returns the cluster file's path.
     *
     * @param dir the directory, created if missing
     * @return {@code dir/cluster.yaml}
     * @throws IOException if a file cannot be written
     */
    public Path extractTo(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("keys"));
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            Path target = dir.resolve(file.getKey());
            Path temp = target.resolveSibling(target.getFileName() + ".tmp");
            Files.write(temp, file.getValue());
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        return dir.resolve(CLUSTER_FILE);
    }

    /** Writes the canonical encoding: the count, then each path and content in path order. */
    void writeTo(DataOutputStream out) throws IOException {
        out.writeInt(files.size());
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            out.writeUTF(file.getKey());
            out.writeInt(file.getValue().length);
            out.write(file.getValue());
        }
    }

    /** Reads what {@link #writeTo} wrote, no field longer than {@code total} bytes. */
    static ClusterBundle readFrom(DataInputStream in, int total) throws IOException {
        int count = in.readInt();
        if (count < 1 || count > FILES_MAX) {
            throw new IOException("a cluster bundle of " + count + " files");
        }
        Map<String, byte[]> files = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            String path = in.readUTF();
            int length = in.readInt();
            if (length < 0 || length > total) {
                throw new IOException("a file of " + length + " bytes in a ticket of " + total + " bytes");
            }
            byte[] content = in.readNBytes(length);
            if (content.length != length) {
                throw new java.io.EOFException();
            }
            if (files.put(path, content) != null) {
                throw new IOException("the cluster bundle holds " + path + " twice");
            }
        }
        return new ClusterBundle(files);
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof ClusterBundle b) || !files.keySet().equals(b.files.keySet())) {
            return false;
        }
        return files.entrySet().stream().allMatch(e -> Arrays.equals(e.getValue(), b.files.get(e.getKey())));
    }

    @Override
    public int hashCode() {
        int hash = 0;
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            hash = 31 * hash + e.getKey().hashCode() * 17 + Arrays.hashCode(e.getValue());
        }
        return hash;
    }

    @Override
    public String toString() {
        return "ClusterBundle" + files.keySet();
    }
}

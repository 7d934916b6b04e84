package io.phalanx.kv;

import java.util.Optional;

/**
 * The map a key-value service keeps its entries in: a {@link java.util.TreeMap} in
 * {@link KeyValueService}, a RocksDB database in {@link RocksKeyValueService}. {@link KvExecution}
 * runs the operations against it, so both services give the same results for the same
 * operations. Keys and values are valid Unicode within {@link KvOperation}'s bounds (the
 * operations' constructors check that); the store does not check again.
 */
interface KvStore {

    /** The value of {@code key}, if present. */
    Optional<String> get(String key);

    /** Sets {@code key} to {@code value}; returns the previous value, if any. */
    Optional<String> put(String key, String value);

    /** Removes {@code key}; returns the value it had, if any. */
    Optional<String> remove(String key);

    /** Number of keys present. */
    int size();
}

package io.phalanx.core.codec;

import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Decision;
import io.phalanx.core.message.DecisionFetch;
import io.phalanx.core.message.DecisionPush;
import io.phalanx.core.message.Forward;
import io.phalanx.core.message.Stop;
import io.phalanx.core.message.StopData;
import io.phalanx.core.message.StateQuery;
import io.phalanx.core.message.StateReport;
import io.phalanx.core.view.AdminResult;
import io.phalanx.core.view.Addresses;
import io.phalanx.core.view.InvalidViewException;
import io.phalanx.core.view.Mode;
import io.phalanx.core.view.View;
import io.phalanx.core.view.ViewHistory;
import io.phalanx.core.view.ViewChange;
import io.phalanx.core.message.Sync;
import io.phalanx.core.message.VoteHistory;
import io.phalanx.core.message.Batch;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Checkpoint;
import io.phalanx.core.message.Chunk;
import io.phalanx.core.message.ChunkFetch;
import io.phalanx.core.message.Digest;
import io.phalanx.core.message.Message;
import io.phalanx.core.message.Propose;
import io.phalanx.core.message.Refusal;
import io.phalanx.core.message.Reply;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestKind;
import io.phalanx.core.message.Write;
import io.phalanx.core.storage.CheckpointManifest;
import io.phalanx.core.storage.LogRecord;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The canonical binary encoding of every {@link Message}.
 *
 * <p>Canonical means one message has exactly one encoding, so the encoding can be hashed and
 * signed. Layout: a version byte, a type tag, then the fields in declaration order — integers
 * big-endian and fixed-width, byte strings and lists prefixed by a 4-byte length or count.
 *
 * <p>Decoding treats its input as hostile. Before allocating anything it checks that the input
 * is within {@code messageBytesMax} and that every declared length fits in what is left, so a
 * forged length can never make it allocate more than the input's own size. Every failure,
 * whatever its cause, surfaces as a {@link CodecException}.
 */
public final class MessageCodec {
    /**
     * Wire format version; bump it when the layout changes (9 added the regency to every batch,
     * 10 the members its leader found caught up).
     */
    public static final byte VERSION = 10;
    /**
     * Layout version of {@link #encodeCheckpointHeader}, which is no message: until 5 it was
     * {@link #VERSION}; 6 added each session's last decision and what evicted sessions left behind;
     * 7 made it a header with its length up front, the service's state streaming after it; 8 added
     * the views that govern the instances after it; 9 the admin address of each member.
     */
    public static final byte CHECKPOINT_VERSION = 9;
    /** The checkpoint header's prefix: its layout version and the length of what follows. */
    public static final int CHECKPOINT_PREFIX_BYTES = 5;

    private static final byte TAG_REQUEST = 1;
    private static final byte TAG_REPLY = 2;
    private static final byte TAG_PROPOSE = 3;
    private static final byte TAG_WRITE = 4;
    private static final byte TAG_ACCEPT = 5;
    private static final byte TAG_FORWARD = 6;
    private static final byte TAG_STOP = 7;
    private static final byte TAG_STOP_DATA = 8;
    private static final byte TAG_SYNC = 9;
    private static final byte TAG_DECISION_FETCH = 10;
    private static final byte TAG_DECISION_PUSH = 11;
    private static final byte TAG_STATE_QUERY = 12;
    private static final byte TAG_STATE_REPORT = 13;
    private static final byte TAG_CHUNK_FETCH = 14;
    private static final byte TAG_CHUNK = 15;
    private static final byte TAG_REFUSAL = 16;

    /** Smallest possible encoded request: fixed fields plus an empty operation. */
    private static final int REQUEST_BYTES_MIN = 8 + 8 + 1 + 8 + 4 + 4;
    /** Smallest possible encoded ACCEPT: fixed fields, digest, empty signature. */
    private static final int VOTE_BYTES_MIN = 4 + 8 + 4 + 32 + 4;
    /** One entry of a vote history: an epoch and a digest. */
    private static final int WRITTEN_BYTES_MIN = 4 + 32;
    /** Smallest possible vote history: consensus id, no accepted epoch (-1), no writes. */
    private static final int VOTE_HISTORY_BYTES_MIN = 8 + 4 + 4;
    /** Smallest possible bound value of a SYNC: consensus id and an empty batch. */
    private static final int BOUND_BYTES_MIN = 8 + 20;
    /** Smallest possible encoded STOPDATA, nested in a SYNC. */
    private static final int STOP_DATA_BYTES_MIN = 4 + 4 + 8 + 4 + 4 + 4;
    /** Smallest possible encoded decision, nested in a DECISION_PUSH. */
    private static final int DECISION_BYTES_MIN = 8 + 4 + 20 + 32 + 4;

    /** Room for a message's fixed fields (version, tag, ids, numbers) in {@link #sizeHint}. */
    private static final int HEADER_BYTES_HINT = 64;
    /** First buffer for the messages without a payload (votes, STOP, ...), which fit in it. */
    private static final int SMALL_MESSAGE_BYTES_HINT = 256;
    private final int messageBytesMax;

    /**
     * A codec that encodes and accepts messages of at most {@code messageBytesMax} bytes.
     *
     * @param messageBytesMax the largest encoded message, at least 64 bytes
     * @throws IllegalArgumentException if {@code messageBytesMax} is below 64
     */
    public MessageCodec(int messageBytesMax) {
        if (messageBytesMax < 64) {
            throw new IllegalArgumentException("messageBytesMax must be >= 64, got " + messageBytesMax);
        }
        this.messageBytesMax = messageBytesMax;
    }

    /**
     * The size limit of this codec.
     *
     * @return the largest encoded message it encodes or decodes, in bytes
     */
    public int messageBytesMax() {
        return messageBytesMax;
    }

    /**
     * Encodes {@code message}; fails if the encoding would exceed {@code messageBytesMax}.
     *
     * @param message the message to encode
     * @return its canonical encoding
     * @throws CodecException if the encoding is longer than {@code messageBytesMax}
     */
    public byte[] encode(Message message) throws CodecException {
        Writer out = new Writer(sizeHint(message));
        out.u8(VERSION);
        writeMessage(out, message);
        byte[] encoded = out.toArray();
        if (encoded.length > messageBytesMax) {
            throw new CodecException("encoded " + message.getClass().getSimpleName() + " is " + encoded.length
                    + " bytes, over the maximum of " + messageBytesMax);
        }
        return encoded;
    }

    /**
     * The canonical encoding of a batch alone, the input of the batch digest. It is not a
     * message and has no size limit of its own: the proposal that carries it has.
     *
     * @param batch the batch to encode
     * @return its canonical encoding
     */
    public static byte[] encodeBatch(Batch batch) {
        Writer out = new Writer(batchBytesHint(batch));
        writeBatch(out, batch);
        return out.toArray();
    }

    /**
     * The canonical encoding of a checkpoint's header: everything but the service's state, which
     * follows it in a checkpoint image (see {@code CheckpointImage}) to the image's end. It begins
     * with {@link #CHECKPOINT_PREFIX_BYTES}: the layout version and the length of the rest.
     *
     * @param checkpoint the checkpoint whose header to encode
     * @return the header's canonical encoding, prefix included
     */
    public static byte[] encodeCheckpointHeader(Checkpoint checkpoint) {
        Writer out = new Writer(HEADER_BYTES_HINT + checkpoint.sessions().size() * 64
                + checkpoint.evictedSessions().size() * 24 + checkpoint.sessionFloors().size() * 12);
        out.u8(CHECKPOINT_VERSION);
        out.i32(0); // the length, set below
        out.i64(checkpoint.consensusId());
        out.i64(checkpoint.agreedTimestampMs());
        out.i32(checkpoint.sessions().size());
        for (Checkpoint.ClientSession session : checkpoint.sessions()) {
            out.i64(session.clientId());
            out.i64(session.lastConsensusId());
            out.i64(session.low());
            out.i32(session.doneAboveLow().size());
            session.doneAboveLow().forEach(out::i64);
            out.i32(session.replies().size());
            for (Checkpoint.CachedReply reply : session.replies()) {
                out.i64(reply.sequence());
                out.bytes(reply.result());
            }
        }
        out.i32(checkpoint.evictedSessions().size());
        for (Checkpoint.EvictedSession evicted : checkpoint.evictedSessions()) {
            out.i64(evicted.clientId());
            out.i64(evicted.session());
            out.i64(evicted.evictedAt());
        }
        out.i32(checkpoint.sessionFloors().size());
        for (Checkpoint.SessionFloor floor : checkpoint.sessionFloors()) {
            out.i32(floor.bucket());
            out.i64(floor.session());
        }
        writeViewHistory(out, checkpoint.views());
        byte[] header = out.toArray();
        int rest = header.length - CHECKPOINT_PREFIX_BYTES;
        header[1] = (byte) (rest >>> 24);
        header[2] = (byte) (rest >>> 16);
        header[3] = (byte) (rest >>> 8);
        header[4] = (byte) rest;
        return header;
    }

    /**
     * The length of the checkpoint header after its {@link #CHECKPOINT_PREFIX_BYTES}-byte
     * {@code prefix}, checked against the {@code available} bytes that can follow it.
     *
     * @param prefix    the first {@link #CHECKPOINT_PREFIX_BYTES} bytes of a checkpoint image
     * @param available how many bytes follow the prefix in the image
     * @return the length of the header's rest, at most {@code available}
     * @throws CodecException if the prefix has the wrong length or layout version, or declares
     *                        more bytes than are available
     */
    public static int checkpointHeaderRest(byte[] prefix, long available) throws CodecException {
        if (prefix.length != CHECKPOINT_PREFIX_BYTES) {
            throw new CodecException("a checkpoint header prefix has " + CHECKPOINT_PREFIX_BYTES + " bytes, got " + prefix.length);
        }
        if (prefix[0] != CHECKPOINT_VERSION) {
            throw new CodecException("checkpoint of layout version " + prefix[0] + " (this build speaks "
                    + CHECKPOINT_VERSION + ")");
        }
        int rest = ((prefix[1] & 0xFF) << 24) | ((prefix[2] & 0xFF) << 16) | ((prefix[3] & 0xFF) << 8) | (prefix[4] & 0xFF);
        if (rest < 0 || rest > available) {
            throw new CodecException("checkpoint header of " + rest + " bytes, but only " + available + " follow");
        }
        return rest;
    }

    /**
     * Decodes {@link #encodeCheckpointHeader}'s output, prefix included; fails cleanly on anything else.
     *
     * @param encoded exactly one encoded checkpoint header
     * @return the checkpoint it describes
     * @throws CodecException if {@code encoded} is not a valid header of this layout version
     */
    public static Checkpoint decodeCheckpointHeader(byte[] encoded) throws CodecException {
        Reader in = new Reader(encoded);
        try {
            byte[] prefix = java.util.Arrays.copyOf(encoded, Math.min(encoded.length, CHECKPOINT_PREFIX_BYTES));
            int rest = checkpointHeaderRest(prefix, encoded.length - prefix.length);
            if (rest != encoded.length - CHECKPOINT_PREFIX_BYTES) {
                throw new CodecException("checkpoint header declares " + rest + " bytes, has "
                        + (encoded.length - CHECKPOINT_PREFIX_BYTES));
            }
            in.u8();
            in.i32();
            long consensusId = in.i64();
            long agreedTimestampMs = in.i64();
            List<Checkpoint.ClientSession> sessions = readList(in, 8 + 8 + 8 + 4 + 4, r -> new Checkpoint.ClientSession(
                    r.i64(), r.i64(), r.i64(), readList(r, 8, Reader::i64),
                    readList(r, 8 + 4, rr -> new Checkpoint.CachedReply(rr.i64(), rr.bytes()))));
            List<Checkpoint.EvictedSession> evicted = readList(in, 8 + 8 + 8,
                    r -> new Checkpoint.EvictedSession(r.i64(), r.i64(), r.i64()));
            List<Checkpoint.SessionFloor> floors = readList(in, 4 + 8, r -> new Checkpoint.SessionFloor(r.i32(), r.i64()));
            ViewHistory views = readViewHistory(in);
            Checkpoint checkpoint = new Checkpoint(consensusId, agreedTimestampMs, sessions, evicted, floors, views);
            if (in.remaining() != 0) {
                throw new CodecException(in.remaining() + " trailing bytes after a checkpoint header");
            }
            return checkpoint;
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new CodecException("invalid checkpoint field: " + e.getMessage(), e);
        }
    }

    /**
     * Version of the storage formats (log records, stored checkpoints), apart from the wire's: a
     * replica must read what an older build of the same storage version wrote. 2 added the regency
     * to every batch; a batch's digest covers it, so a log of version 1 cannot be read as version 2.
     */
    public static final byte STORAGE_VERSION = 2;
    private static final byte RECORD_DECIDED = 1;
    private static final byte RECORD_VOTED = 2;
    private static final byte RECORD_DECIDED_AS_ACCEPTED = 3;
    private static final byte SYNC_UNCHANGED = 0;
    private static final byte SYNC_NONE = 1;
    private static final byte SYNC_PRESENT = 2;

    /**
     * The canonical encoding of a log record; its parts are encoded as on the wire.
     *
     * @param record the record to encode
     * @return its encoding, beginning with {@link #STORAGE_VERSION}
     */
    public static byte[] encodeLogRecord(LogRecord record) {
        Writer out;
        if (record instanceof LogRecord.Decided d) {
            out = new Writer(HEADER_BYTES_HINT + batchBytesHint(d.decision().batch()) + d.decision().proof().size() * 128);
            out.u8(STORAGE_VERSION);
            out.u8(RECORD_DECIDED);
            writeDecision(out, d.decision());
        } else if (record instanceof LogRecord.DecidedAsAccepted d) {
            out = new Writer(HEADER_BYTES_HINT + d.proof().size() * 128);
            out.u8(STORAGE_VERSION);
            out.u8(RECORD_DECIDED_AS_ACCEPTED);
            out.i64(d.consensusId());
            out.i32(d.epoch());
            out.raw(d.digest().value());
            writeAccepts(out, d.proof());
        } else if (record instanceof LogRecord.Voted v) {
            out = new Writer(SMALL_MESSAGE_BYTES_HINT);
            out.u8(STORAGE_VERSION);
            out.u8(RECORD_VOTED);
            out.i32(v.regency());
            out.i32(v.stopTarget());
            out.u8(!v.syncChanged() ? SYNC_UNCHANGED : v.sync() == null ? SYNC_NONE : SYNC_PRESENT);
            if (v.sync() != null) {
                writeMessage(out, v.sync());
            }
            out.i32(v.votes().size());
            v.votes().forEach(h -> writeVoteHistory(out, h));
        } else {
            throw new IllegalArgumentException("no encoding for log record " + record.getClass().getName());
        }
        return out.toArray();
    }

    /**
     * Decodes {@link #encodeLogRecord}'s output; fails cleanly on anything else.
     *
     * @param encoded exactly one encoded log record
     * @return the record
     * @throws CodecException if {@code encoded} is not a valid record of this storage version
     */
    public static LogRecord decodeLogRecord(byte[] encoded) throws CodecException {
        Reader in = new Reader(encoded);
        try {
            requireStorageVersion(in.u8(), "log record");
            int kind = in.u8();
            LogRecord record = switch (kind) {
                case RECORD_DECIDED -> new LogRecord.Decided(
                        new Decision(in.i64(), in.i32(), readBatch(in), readDigest(in), readAccepts(in)));
                case RECORD_VOTED -> readVoted(in);
                case RECORD_DECIDED_AS_ACCEPTED -> new LogRecord.DecidedAsAccepted(in.i64(), in.i32(), readDigest(in),
                        readAccepts(in));
                default -> throw new CodecException("unknown log record kind " + kind);
            };
            if (in.remaining() != 0) {
                throw new CodecException(in.remaining() + " trailing bytes after a log record");
            }
            return record;
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new CodecException("invalid log record field: " + e.getMessage(), e);
        }
    }

    private static LogRecord.Voted readVoted(Reader in) throws CodecException {
        int regency = in.i32();
        int stopTarget = in.i32();
        int syncFlag = in.u8();
        Sync sync = null;
        if (syncFlag == SYNC_PRESENT) {
            if (in.u8() != TAG_SYNC) {
                throw new CodecException("a hard state record holds a message that is not a SYNC");
            }
            sync = readSync(in);
        } else if (syncFlag != SYNC_UNCHANGED && syncFlag != SYNC_NONE) {
            throw new CodecException("unknown SYNC flag " + syncFlag);
        }
        List<VoteHistory> votes = readList(in, VOTE_HISTORY_BYTES_MIN, MessageCodec::readVoteHistory);
        return new LogRecord.Voted(regency, stopTarget, syncFlag != SYNC_UNCHANGED, sync, votes);
    }

    /**
     * A stored checkpoint's manifest: the image's size, chunk size and chunk digests, and the
     * proof of its last decision. The image itself is a file of its own.
     *
     * @param manifest the manifest to encode
     * @return its encoding, beginning with {@link #STORAGE_VERSION}
     */
    public static byte[] encodeCheckpointManifest(CheckpointManifest manifest) {
        Writer out = new Writer(HEADER_BYTES_HINT + manifest.chunkDigests().size() * Digest.LENGTH + manifest.proof().size() * 128);
        out.u8(STORAGE_VERSION);
        out.i64(manifest.consensusId());
        out.i64(manifest.imageBytes());
        out.i32(manifest.chunkBytes());
        out.i32(manifest.chunkDigests().size());
        manifest.chunkDigests().forEach(d -> out.raw(d.value()));
        writeAccepts(out, manifest.proof());
        return out.toArray();
    }

    /**
     * Decodes {@link #encodeCheckpointManifest}'s output.
     *
     * @param stored exactly one encoded manifest
     * @return the manifest
     * @throws CodecException if {@code stored} is not a valid manifest of this storage version
     */
    public static CheckpointManifest decodeCheckpointManifest(byte[] stored) throws CodecException {
        Reader in = new Reader(stored);
        try {
            requireStorageVersion(in.u8(), "checkpoint manifest");
            long consensusId = in.i64();
            long imageBytes = in.i64();
            int chunkBytes = in.i32();
            List<Digest> digests = readList(in, Digest.LENGTH, r -> new Digest(r.raw(Digest.LENGTH)));
            List<Accept> proof = readAccepts(in);
            if (in.remaining() != 0) {
                throw new CodecException(in.remaining() + " trailing bytes after a checkpoint manifest");
            }
            return new CheckpointManifest(consensusId, imageBytes, chunkBytes, digests, proof);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new CodecException("invalid checkpoint manifest field: " + e.getMessage(), e);
        }
    }

    /** Layout version of {@link #encodeViewChange}: 2 added the admin address to a member's addresses. */
    public static final byte VIEW_CHANGE_VERSION = 2;
    /** The layout before {@link #VIEW_CHANGE_VERSION}, still read: addresses without the admin address. */
    private static final byte VIEW_CHANGE_VERSION_NO_ADMIN = 1;
    private static final int VIEW_CHANGE_ADD = 1;
    private static final int VIEW_CHANGE_REMOVE = 2;
    private static final int VIEW_CHANGE_REPLACE = 3;
    private static final int VIEW_CHANGE_SET_F = 4;

    /**
     * An administrator's view change, as it is signed and ordered: version, kind, then the
     * replica id (or f) and, for an addition or a replacement, the public key and the mesh and
     * client addresses (UTF-8).
     *
     * @param change the change to encode
     * @return its encoding, beginning with {@link #VIEW_CHANGE_VERSION}
     */
    public static byte[] encodeViewChange(ViewChange change) {
        Writer out = new Writer(SMALL_MESSAGE_BYTES_HINT);
        out.u8(VIEW_CHANGE_VERSION);
        if (change instanceof ViewChange.Add add) {
            out.u8(VIEW_CHANGE_ADD);
            out.i32(add.id());
            writeMember(out, add.publicKey(), add.addresses());
        } else if (change instanceof ViewChange.Remove remove) {
            out.u8(VIEW_CHANGE_REMOVE);
            out.i32(remove.id());
        } else if (change instanceof ViewChange.Replace replace) {
            out.u8(VIEW_CHANGE_REPLACE);
            out.i32(replace.id());
            writeMember(out, replace.publicKey(), replace.addresses());
        } else if (change instanceof ViewChange.SetF setF) {
            out.u8(VIEW_CHANGE_SET_F);
            out.i32(setF.f());
        } else {
            throw new IllegalArgumentException("unknown view change " + change);
        }
        return out.toArray();
    }

    private static void writeMember(Writer out, Bytes publicKey, Addresses addresses) {
        out.bytes(publicKey);
        out.bytes(Bytes.utf8(addresses.mesh()));
        out.bytes(Bytes.utf8(addresses.client()));
        out.bytes(Bytes.utf8(addresses.admin()));
    }

    /**
     * Decodes {@link #encodeViewChange}'s output.
     *
     * @param encoded exactly one encoded view change
     * @return the change
     * @throws CodecException if {@code encoded} is no valid view change of this layout version
     */
    public static ViewChange decodeViewChange(byte[] encoded) throws CodecException {
        Reader in = new Reader(encoded);
        try {
            int version = in.u8();
            if (version != VIEW_CHANGE_VERSION && version != VIEW_CHANGE_VERSION_NO_ADMIN) {
                throw new CodecException("view change of layout version " + version + " (this build reads "
                        + VIEW_CHANGE_VERSION_NO_ADMIN + " and " + VIEW_CHANGE_VERSION + ")");
            }
            // A log written by an older build holds changes of the older layout: a replica replaying
            // it must reach the outcome its peers reached when they decided it.
            boolean admin = version == VIEW_CHANGE_VERSION;
            int kind = in.u8();
            ViewChange change = switch (kind) {
                case VIEW_CHANGE_ADD -> new ViewChange.Add(in.i32(), in.bytes(), readAddresses(in, admin));
                case VIEW_CHANGE_REMOVE -> new ViewChange.Remove(in.i32());
                case VIEW_CHANGE_REPLACE -> new ViewChange.Replace(in.i32(), in.bytes(), readAddresses(in, admin));
                case VIEW_CHANGE_SET_F -> new ViewChange.SetF(in.i32());
                default -> throw new CodecException("unknown view change kind " + kind);
            };
            if (in.remaining() != 0) {
                throw new CodecException(in.remaining() + " trailing bytes after a view change");
            }
            return change;
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new CodecException("invalid view change field: " + e.getMessage(), e);
        }
    }

    private static Addresses readAddresses(Reader in, boolean withAdmin) throws CodecException {
        return new Addresses(in.bytes().toUtf8(), in.bytes().toUtf8(), withAdmin ? in.bytes().toUtf8() : "");
    }

    /** Layout version of {@link #encodeView} and {@link #encodeAdminResult}. */
    public static final byte VIEW_VERSION = 1;
    private static final int ADMIN_INSTALLED = 0;
    private static final int ADMIN_REFUSED = 1;

    /**
     * A view as replicas hand it to clients and administrators: version, then id, members in
     * rotation order, f, mode, and each member's public key and addresses, by replica id.
     * Canonical: equal views encode equally, so replicas vouching for one send equal bytes.
     *
     * @param view the view to encode
     * @return its encoding, beginning with {@link #VIEW_VERSION}
     */
    public static byte[] encodeView(View view) {
        Writer out = new Writer(SMALL_MESSAGE_BYTES_HINT);
        out.u8(VIEW_VERSION);
        writeView(out, view);
        return out.toArray();
    }

    /**
     * Decodes {@link #encodeView}'s output.
     *
     * @param encoded exactly one encoded view
     * @return the view
     * @throws CodecException if {@code encoded} is no valid view of this layout version
     */
    public static View decodeView(byte[] encoded) throws CodecException {
        Reader in = new Reader(encoded);
        try {
            requireViewVersion(in.u8());
            View view = readView(in);
            if (in.remaining() != 0) {
                throw new CodecException(in.remaining() + " trailing bytes after a view");
            }
            return view;
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new CodecException("invalid view field: " + e.getMessage(), e);
        }
    }

    /**
     * The result of an administrator's request, as its reply carries it: version, then either
     * the view the change makes or the reason it was refused (UTF-8).
     *
     * @param result what the change gave
     * @return its encoding, beginning with {@link #VIEW_VERSION}
     */
    public static byte[] encodeAdminResult(AdminResult result) {
        Writer out = new Writer(SMALL_MESSAGE_BYTES_HINT);
        out.u8(VIEW_VERSION);
        if (result.installed() != null) {
            out.u8(ADMIN_INSTALLED);
            out.i64(result.firstConsensusId());
            writeView(out, result.installed());
        } else {
            out.u8(ADMIN_REFUSED);
            out.bytes(Bytes.utf8(result.refusal()));
        }
        return out.toArray();
    }

    /**
     * Decodes {@link #encodeAdminResult}'s output.
     *
     * @param encoded exactly one encoded result
     * @return the result
     * @throws CodecException if {@code encoded} is no valid result of this layout version
     */
    public static AdminResult decodeAdminResult(byte[] encoded) throws CodecException {
        Reader in = new Reader(encoded);
        try {
            requireViewVersion(in.u8());
            int kind = in.u8();
            AdminResult result = switch (kind) {
                case ADMIN_INSTALLED -> AdminResult.installed(in.i64(), readView(in));
                case ADMIN_REFUSED -> AdminResult.refused(in.bytes().toUtf8());
                default -> throw new CodecException("unknown administration result kind " + kind);
            };
            if (in.remaining() != 0) {
                throw new CodecException(in.remaining() + " trailing bytes after an administration result");
            }
            return result;
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new CodecException("invalid administration result field: " + e.getMessage(), e);
        }
    }

    private static void requireViewVersion(int version) throws CodecException {
        if (version != VIEW_VERSION) {
            throw new CodecException("view of layout version " + version + " (this build reads " + VIEW_VERSION + ")");
        }
    }

    private static void writeView(Writer out, View view) {
        out.i64(view.id());
        out.i32(view.members().size());
        view.members().forEach(out::i32);
        out.i32(view.f());
        out.u8(view.mode().ordinal());
        java.util.TreeMap<Integer, Bytes> keys = new java.util.TreeMap<>(view.publicKeys());
        out.i32(keys.size());
        keys.forEach((id, key) -> {
            out.i32(id);
            out.bytes(key);
        });
        java.util.TreeMap<Integer, Addresses> addresses = new java.util.TreeMap<>(view.addresses());
        out.i32(addresses.size());
        addresses.forEach((id, where) -> {
            out.i32(id);
            out.bytes(Bytes.utf8(where.mesh()));
            out.bytes(Bytes.utf8(where.client()));
            out.bytes(Bytes.utf8(where.admin()));
        });
    }

    private static View readView(Reader in) throws CodecException {
        long id = in.i64();
        List<Integer> members = readList(in, 4, Reader::i32);
        int f = in.i32();
        int modeOrdinal = in.u8();
        if (modeOrdinal >= Mode.values().length) {
            throw new CodecException("unknown mode " + modeOrdinal);
        }
        Map<Integer, Bytes> keys = new HashMap<>();
        for (var entry : readList(in, 8, r -> Map.entry(r.i32(), r.bytes()))) {
            if (keys.put(entry.getKey(), entry.getValue()) != null) {
                throw new CodecException("view names replica " + entry.getKey() + "'s key twice");
            }
        }
        Map<Integer, Addresses> addresses = new HashMap<>();
        for (var entry : readList(in, 16, r -> Map.entry(r.i32(), readAddresses(r, true)))) {
            if (addresses.put(entry.getKey(), entry.getValue()) != null) {
                throw new CodecException("view names replica " + entry.getKey() + "'s addresses twice");
            }
        }
        try {
            return new View(id, members, f, Mode.values()[modeOrdinal], keys, addresses);
        } catch (InvalidViewException e) {
            throw new CodecException("invalid view: " + e.getMessage(), e);
        }
    }

    private static void writeViewHistory(Writer out, ViewHistory history) {
        out.i32(history.entries().size());
        for (ViewHistory.Entry entry : history.entries()) {
            out.i64(entry.firstConsensusId());
            writeView(out, entry.view());
        }
    }

    private static ViewHistory readViewHistory(Reader in) throws CodecException {
        return new ViewHistory(readList(in, 8 + 8 + 4 + 4 + 1 + 4 + 4,
                r -> new ViewHistory.Entry(r.i64(), readView(r))));
    }

    private static void requireStorageVersion(int version, String what) throws CodecException {
        if (version != STORAGE_VERSION) {
            throw new CodecException(what + " of storage version " + version + " (this build reads " + STORAGE_VERSION + ")");
        }
    }

    /**
     * Decodes one message occupying all of {@code input}.
     *
     * @param input the received bytes
     * @return the message they encode
     * @throws CodecException if {@code input} is over {@code messageBytesMax}, of another wire
     *                        version, malformed, truncated, or followed by trailing bytes
     */
    public Message decode(byte[] input) throws CodecException {
        if (input.length > messageBytesMax) {
            throw new CodecException("message of " + input.length + " bytes is over the maximum of " + messageBytesMax);
        }
        Reader in = new Reader(input);
        try {
            int version = in.u8();
            if (version != VERSION) {
                throw new CodecException("unsupported wire version " + version + " (this build speaks " + VERSION + ")");
            }
            Message message = readMessage(in);
            if (in.remaining() != 0) {
                throw new CodecException(in.remaining() + " trailing bytes after " + message.getClass().getSimpleName());
            }
            return message;
        } catch (IllegalArgumentException | NullPointerException e) {
            // A record constructor refused a decoded field (e.g. a sequence number below 1).
            throw new CodecException("invalid field: " + e.getMessage(), e);
        }
    }

    /**
     * The bytes a signature covers: the canonical encoding of {@code message} with its signature
     * field emptied. Only signed message types (requests, ACCEPT, STOPDATA) have one.
     *
     * @param message a request, ACCEPT or STOPDATA, signed or not
     * @return the bytes to sign or to verify its signature against
     * @throws IllegalArgumentException if {@code message} is of a type that is never signed
     */
    public static byte[] signedBytes(Message message) {
        Message unsigned;
        if (message instanceof Request r) {
            unsigned = r.withSignature(Bytes.EMPTY);
        } else if (message instanceof Accept a) {
            unsigned = a.withSignature(Bytes.EMPTY);
        } else if (message instanceof StopData d) {
            unsigned = d.withSignature(Bytes.EMPTY);
        } else {
            throw new IllegalArgumentException(message.getClass().getSimpleName() + " is not a signed message type");
        }
        Writer out = new Writer(sizeHint(unsigned));
        out.u8(VERSION);
        writeMessage(out, unsigned);
        return out.toArray();
    }

    /**
     * About the size of {@code message}'s encoding, at least, for the messages whose payloads
     * make them large: the writer then allocates once instead of growing by doubling and copying
     * (a PROPOSE of 50 one-KiB requests would otherwise be copied nine times on its way to 64 KiB).
     */
    private static int sizeHint(Message message) {
        if (message instanceof Request r) {
            return HEADER_BYTES_HINT + requestBytesHint(r);
        } else if (message instanceof Reply r) {
            return HEADER_BYTES_HINT + r.result().length();
        } else if (message instanceof Propose p) {
            return HEADER_BYTES_HINT + batchBytesHint(p.batch());
        } else if (message instanceof Forward f) {
            return HEADER_BYTES_HINT + requestsBytesHint(f.requests());
        } else if (message instanceof Chunk c) {
            return HEADER_BYTES_HINT + c.data().length();
        } else if (message instanceof StateReport r) {
            return HEADER_BYTES_HINT + r.chunkDigests().size() * Digest.LENGTH;
        }
        return SMALL_MESSAGE_BYTES_HINT;
    }

    private static int batchBytesHint(Batch batch) {
        return HEADER_BYTES_HINT + requestsBytesHint(batch.requests());
    }

    private static int requestsBytesHint(List<Request> requests) {
        long total = 4;
        for (Request r : requests) {
            total += requestBytesHint(r);
        }
        return (int) Math.min(total, Integer.MAX_VALUE - HEADER_BYTES_HINT * 2);
    }

    /** Exactly a request's encoding: three longs, its kind, two length-prefixed byte strings. */
    private static int requestBytesHint(Request r) {
        return 8 + 8 + 1 + 8 + 4 + r.operation().length() + 4 + r.signature().length();
    }

    private static void writeMessage(Writer out, Message message) {
        if (message instanceof Request r) {
            out.u8(TAG_REQUEST);
            writeRequest(out, r);
        } else if (message instanceof Reply r) {
            out.u8(TAG_REPLY);
            out.i32(r.sender());
            out.i64(r.clientId());
            out.i64(r.sequence());
            out.u8(kindByte(r.kind()));
            out.i64(r.viewId());
            out.i32(r.regency());
            out.bytes(r.result());
            out.u8(r.digestOnly() ? 1 : 0);
        } else if (message instanceof Refusal r) {
            out.u8(TAG_REFUSAL);
            out.i32(r.sender());
            out.i64(r.clientId());
            out.i64(r.sequence());
            out.u8(r.reason().ordinal());
            out.i64(r.viewId());
            out.bytes(r.view());
        } else if (message instanceof Propose p) {
            out.u8(TAG_PROPOSE);
            out.i32(p.sender());
            out.i64(p.consensusId());
            out.i32(p.epoch());
            writeBatch(out, p.batch());
        } else if (message instanceof Write w) {
            out.u8(TAG_WRITE);
            writeWrite(out, w);
        } else if (message instanceof Accept a) {
            out.u8(TAG_ACCEPT);
            writeAccept(out, a);
        } else if (message instanceof Forward f) {
            out.u8(TAG_FORWARD);
            out.i32(f.sender());
            writeRequests(out, f.requests());
        } else if (message instanceof Stop s) {
            out.u8(TAG_STOP);
            out.i32(s.sender());
            out.i32(s.regency());
            out.i64(s.lastDecided());
            writeRequests(out, s.requests());
        } else if (message instanceof StopData d) {
            out.u8(TAG_STOP_DATA);
            writeStopData(out, d);
        } else if (message instanceof Sync s) {
            out.u8(TAG_SYNC);
            out.i32(s.sender());
            out.i32(s.regency());
            out.i32(s.proofs().size());
            s.proofs().forEach(d -> writeStopData(out, d));
            out.i32(s.chosen().size());
            s.chosen().forEach(b -> {
                out.i64(b.consensusId());
                writeBatch(out, b.value());
            });
        } else if (message instanceof DecisionFetch f) {
            out.u8(TAG_DECISION_FETCH);
            out.i32(f.sender());
            out.i64(f.fromConsensusId());
        } else if (message instanceof DecisionPush p) {
            out.u8(TAG_DECISION_PUSH);
            out.i32(p.sender());
            out.i32(p.decisions().size());
            p.decisions().forEach(d -> writeDecision(out, d));
        } else if (message instanceof StateQuery q) {
            out.u8(TAG_STATE_QUERY);
            out.i32(q.sender());
        } else if (message instanceof StateReport r) {
            out.u8(TAG_STATE_REPORT);
            out.i32(r.sender());
            out.i64(r.lastDecided());
            out.i32(r.regency());
            out.i32(r.stopTarget());
            out.i64(r.highestVoted());
            out.i64(r.checkpointId());
            out.i64(r.checkpointBytes());
            out.i32(r.chunkDigests().size());
            r.chunkDigests().forEach(d -> out.raw(d.value()));
            writeAccepts(out, r.checkpointProof());
            out.u8(r.heardYourVotes() ? 1 : 0);
            out.u8(r.recovering() ? 1 : 0);
        } else if (message instanceof ChunkFetch f) {
            out.u8(TAG_CHUNK_FETCH);
            out.i32(f.sender());
            out.i64(f.checkpointId());
            out.i32(f.index());
        } else if (message instanceof Chunk c) {
            out.u8(TAG_CHUNK);
            out.i32(c.sender());
            out.i64(c.checkpointId());
            out.i32(c.index());
            out.bytes(c.data());
        } else {
            throw new IllegalStateException("no encoding for " + message.getClass());
        }
    }

    private static Message readMessage(Reader in) throws CodecException {
        int tag = in.u8();
        return switch (tag) {
            case TAG_REQUEST -> readRequest(in);
            case TAG_REPLY -> new Reply(in.i32(), in.i64(), in.i64(), readKind(in), in.i64(), in.i32(), in.bytes(), readPresence(in));
            case TAG_PROPOSE -> new Propose(in.i32(), in.i64(), in.i32(), readBatch(in));
            case TAG_WRITE -> readWrite(in);
            case TAG_ACCEPT -> readAccept(in);
            case TAG_FORWARD -> new Forward(in.i32(), readRequests(in));
            case TAG_STOP -> new Stop(in.i32(), in.i32(), in.i64(), readRequests(in));
            case TAG_STOP_DATA -> readStopData(in);
            case TAG_SYNC -> readSync(in);
            case TAG_DECISION_FETCH -> new DecisionFetch(in.i32(), in.i64());
            case TAG_DECISION_PUSH -> readDecisionPush(in);
            case TAG_STATE_QUERY -> new StateQuery(in.i32());
            case TAG_STATE_REPORT -> new StateReport(in.i32(), in.i64(), in.i32(), in.i32(), in.i64(), in.i64(), in.i64(),
                    readList(in, Digest.LENGTH, MessageCodec::readDigest), readAccepts(in), readPresence(in), readPresence(in));
            case TAG_CHUNK_FETCH -> new ChunkFetch(in.i32(), in.i64(), in.i32());
            case TAG_CHUNK -> new Chunk(in.i32(), in.i64(), in.i32(), in.bytes());
            case TAG_REFUSAL -> new Refusal(in.i32(), in.i64(), in.i64(), readReason(in), in.i64(), in.bytes());
            default -> throw new CodecException("unknown message type tag " + tag);
        };
    }

    private static void writeRequests(Writer out, List<Request> requests) {
        out.i32(requests.size());
        requests.forEach(r -> writeRequest(out, r));
    }

    private static List<Request> readRequests(Reader in) throws CodecException {
        return readList(in, REQUEST_BYTES_MIN, MessageCodec::readRequest);
    }

    /** Reads one part of a message; may fail only with {@link CodecException}. */
    @FunctionalInterface
    private interface PartReader<T> {
        T read(Reader in) throws CodecException;
    }

    /** A count, checked against the bytes left (each item needs {@code itemBytesMin}), then the items. */
    private static <T> List<T> readList(Reader in, int itemBytesMin, PartReader<T> item) throws CodecException {
        int count = in.count(itemBytesMin);
        List<T> items = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            items.add(item.read(in));
        }
        return items;
    }

    private static void writeWrite(Writer out, Write w) {
        writeVote(out, w.sender(), w.consensusId(), w.epoch(), w.batchDigest());
    }

    private static Write readWrite(Reader in) throws CodecException {
        return new Write(in.i32(), in.i64(), in.i32(), readDigest(in));
    }

    private static void writeAccept(Writer out, Accept a) {
        writeVote(out, a.sender(), a.consensusId(), a.epoch(), a.batchDigest());
        out.bytes(a.signature());
    }

    private static Accept readAccept(Reader in) throws CodecException {
        return new Accept(in.i32(), in.i64(), in.i32(), readDigest(in), in.bytes());
    }

    private static void writeAccepts(Writer out, List<Accept> accepts) {
        out.i32(accepts.size());
        accepts.forEach(a -> writeAccept(out, a));
    }

    private static List<Accept> readAccepts(Reader in) throws CodecException {
        return readList(in, VOTE_BYTES_MIN, MessageCodec::readAccept);
    }

    private static void writeStopData(Writer out, StopData d) {
        out.i32(d.sender());
        out.i32(d.regency());
        out.i64(d.lastDecided());
        writeAccepts(out, d.decisionProof());
        out.i32(d.votes().size());
        d.votes().forEach(h -> writeVoteHistory(out, h));
        out.bytes(d.signature());
    }

    private static void writeVoteHistory(Writer out, VoteHistory h) {
        out.i64(h.consensusId());
        out.i32(h.acceptedEpoch());
        if (h.accepted() != null) {
            writeBatch(out, h.accepted());
        }
        out.i32(h.writes().size());
        h.writes().forEach(w -> {
            out.i32(w.epoch());
            out.raw(w.digest().value());
        });
    }

    private static StopData readStopData(Reader in) throws CodecException {
        int sender = in.i32();
        int regency = in.i32();
        long lastDecided = in.i64();
        List<Accept> proof = readAccepts(in);
        List<VoteHistory> votes = readList(in, VOTE_HISTORY_BYTES_MIN, MessageCodec::readVoteHistory);
        return new StopData(sender, regency, lastDecided, proof, votes, in.bytes());
    }

    private static VoteHistory readVoteHistory(Reader in) throws CodecException {
        long consensusId = in.i64();
        int acceptedEpoch = in.i32();
        Batch accepted = acceptedEpoch >= 0 ? readBatch(in) : null;
        List<VoteHistory.Written> writes = readList(in, WRITTEN_BYTES_MIN,
                r -> new VoteHistory.Written(r.i32(), readDigest(r)));
        return new VoteHistory(consensusId, acceptedEpoch, accepted, writes);
    }

    private static Sync readSync(Reader in) throws CodecException {
        int sender = in.i32();
        int regency = in.i32();
        List<StopData> proofs = readList(in, STOP_DATA_BYTES_MIN, MessageCodec::readStopData);
        List<Sync.Bound> chosen = readList(in, BOUND_BYTES_MIN, r -> new Sync.Bound(r.i64(), readBatch(r)));
        return new Sync(sender, regency, proofs, chosen);
    }

    private static void writeDecision(Writer out, Decision d) {
        out.i64(d.consensusId());
        out.i32(d.epoch());
        writeBatch(out, d.batch());
        out.raw(d.digest().value());
        writeAccepts(out, d.proof());
    }

    private static DecisionPush readDecisionPush(Reader in) throws CodecException {
        int sender = in.i32();
        return new DecisionPush(sender, readList(in, DECISION_BYTES_MIN,
                r -> new Decision(r.i64(), r.i32(), readBatch(r), readDigest(r), readAccepts(r))));
    }

    private static boolean readPresence(Reader in) throws CodecException {
        int flag = in.u8();
        if (flag > 1) {
            throw new CodecException("presence flag must be 0 or 1, got " + flag);
        }
        return flag == 1;
    }

    private static void writeRequest(Writer out, Request r) {
        out.i64(r.clientId());
        out.i64(r.sequence());
        out.u8(kindByte(r.kind()));
        out.i64(r.viewId());
        out.bytes(r.operation());
        out.bytes(r.signature());
    }

    private static Request readRequest(Reader in) throws CodecException {
        return new Request(in.i64(), in.i64(), readKind(in), in.i64(), in.bytes(), in.bytes());
    }

    private static void writeBatch(Writer out, Batch batch) {
        out.i64(batch.timestampMs());
        out.i64(batch.nonce());
        out.i32(batch.regency());
        out.i32(batch.requests().size());
        for (Request r : batch.requests()) {
            writeRequest(out, r);
        }
        out.i32(batch.caughtUp().size());
        for (int member : batch.caughtUp()) {
            out.i32(member);
        }
    }

    private static Batch readBatch(Reader in) throws CodecException {
        long timestamp = in.i64();
        long nonce = in.i64();
        int regency = in.i32();
        List<Request> requests = readRequests(in);
        return new Batch(timestamp, nonce, regency, requests, readList(in, 4, Reader::i32));
    }

    private static void writeVote(Writer out, int sender, long consensusId, int epoch, Digest digest) {
        out.i32(sender);
        out.i64(consensusId);
        out.i32(epoch);
        out.raw(digest.value());
    }

    private static Digest readDigest(Reader in) throws CodecException {
        return new Digest(in.raw(Digest.LENGTH));
    }

    private static byte kindByte(RequestKind kind) {
        return (byte) kind.ordinal();
    }

    private static Refusal.Reason readReason(Reader in) throws CodecException {
        int b = in.u8();
        Refusal.Reason[] reasons = Refusal.Reason.values();
        if (b >= reasons.length) {
            throw new CodecException("unknown refusal reason " + b);
        }
        return reasons[b];
    }

    private static RequestKind readKind(Reader in) throws CodecException {
        int b = in.u8();
        RequestKind[] kinds = RequestKind.values();
        if (b >= kinds.length) {
            throw new CodecException("unknown request kind " + b);
        }
        return kinds[b];
    }

    /** Growable big-endian output buffer. */
    private static final class Writer {
        private byte[] buf;
        private int pos;

        Writer(int capacity) {
            buf = new byte[capacity];
        }

        private void ensure(int extra) {
            if (pos + extra > buf.length) {
                buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, pos + extra));
            }
        }

        void u8(int v) {
            ensure(1);
            buf[pos++] = (byte) v;
        }

        void i32(int v) {
            ensure(4);
            for (int shift = 24; shift >= 0; shift -= 8) {
                buf[pos++] = (byte) (v >>> shift);
            }
        }

        void i64(long v) {
            ensure(8);
            for (int shift = 56; shift >= 0; shift -= 8) {
                buf[pos++] = (byte) (v >>> shift);
            }
        }

        void raw(Bytes b) {
            ensure(b.length());
            b.copyTo(buf, pos);
            pos += b.length();
        }

        void bytes(Bytes b) {
            i32(b.length());
            raw(b);
        }

        byte[] toArray() {
            return pos == buf.length ? buf : java.util.Arrays.copyOf(buf, pos);
        }
    }

    /** Bounds-checked big-endian input; every read fails cleanly past the end. */
    private static final class Reader {
        private final ByteBuffer buf;

        Reader(byte[] input) {
            this.buf = ByteBuffer.wrap(input);
        }

        int remaining() {
            return buf.remaining();
        }

        private void need(int n, String what) throws CodecException {
            if (buf.remaining() < n) {
                throw new CodecException("truncated input: " + what + " needs " + n + " bytes, "
                        + buf.remaining() + " left at offset " + buf.position());
            }
        }

        int u8() throws CodecException {
            need(1, "byte");
            return buf.get() & 0xff;
        }

        int i32() throws CodecException {
            need(4, "int");
            return buf.getInt();
        }

        long i64() throws CodecException {
            need(8, "long");
            return buf.getLong();
        }

        Bytes raw(int length) throws CodecException {
            need(length, "byte string");
            byte[] out = new byte[length];
            buf.get(out);
            return Bytes.copyOf(out);
        }

        Bytes bytes() throws CodecException {
            int length = i32();
            if (length < 0) {
                throw new CodecException("negative length " + length + " at offset " + (buf.position() - 4));
            }
            return raw(length);
        }

        /** Reads a list count and checks that that many items of at least itemBytesMin fit. */
        int count(int itemBytesMin) throws CodecException {
            int count = i32();
            if (count < 0 || (long) count * itemBytesMin > buf.remaining()) {
                throw new CodecException("list count " + count + " cannot fit in the " + buf.remaining()
                        + " bytes left at offset " + (buf.position() - 4));
            }
            return count;
        }
    }
}

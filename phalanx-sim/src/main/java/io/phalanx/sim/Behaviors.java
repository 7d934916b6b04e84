package io.phalanx.sim;

import io.phalanx.core.codec.CodecException;
import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.crypto.Digests;
import io.phalanx.core.crypto.Signer;
import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Batch;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Checkpoint;
import io.phalanx.core.message.Chunk;
import io.phalanx.core.message.Digest;
import io.phalanx.core.message.Forward;
import io.phalanx.core.message.Message;
import io.phalanx.core.message.Propose;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestKind;
import io.phalanx.core.message.StateReport;
import io.phalanx.core.message.Stop;
import io.phalanx.core.message.StopData;
import io.phalanx.core.message.Sync;
import io.phalanx.core.message.VoteHistory;
import io.phalanx.core.message.Write;
import io.phalanx.core.replica.CheckpointImage;
import io.phalanx.core.replica.Input;
import io.phalanx.kv.KeyValueService;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The Byzantine strategies of the simulator, one per {@link Fault} of kind BYZANTINE (twins
 * excepted: they are two correct replicas, wired by {@link Simulation}). Each records in the
 * trace, and in the run's fired faults, when it actually misbehaves, so a run can show that the
 * fault happened and what the others did about it.
 */
final class Behaviors {
    /** The client whose requests a censoring leader withholds. */
    static final long CENSORED_CLIENT = 1;

    /** What a strategy may use: its own identity and key only. */
    record Context(int id, Signer ownSigner, SplittableRandom random, Trace trace, EventQueue queue, Set<Fault> fired,
                   MessageCodec codec, io.phalanx.core.view.View view) {
        void misbehave(Fault fault, String what) {
            fired.add(fault);
            trace.record(queue.now(), what.hashCode() * 31L + id, () -> "r" + id + " [" + fault.cliName() + "] " + what);
        }
    }

    private Behaviors() {
    }

    static Behavior of(Fault fault, Context context) {
        return switch (fault) {
            case SILENT_LEADER -> silentLeader(context);
            case EQUIVOCATION -> equivocation(context);
            case FAKE_VOTES -> fakeVotes(context);
            case BAD_SIGNATURES -> badSignatures(context);
            case CORRUPT_BYTES -> corruptBytes(context);
            case REPLAY -> replay(context);
            case BAD_PROPOSALS -> badProposals(context);
            case CENSORSHIP -> censorship(context);
            case LYING_REPORTS -> lyingReports(context);
            case LYING_CHECKPOINT -> lyingCheckpoint(context);
            default -> throw new IllegalArgumentException(fault + " is not a single-replica Byzantine strategy");
        };
    }

    /** As leader: never proposes, never syncs; otherwise follows the protocol. */
    private static Behavior silentLeader(Context c) {
        return new Behavior() {
            @Override
            public void onSend(int to, Message message, Outbox out) {
                if (message instanceof Propose || message instanceof Sync) {
                    if (to == firstOther(c.id)) {
                        c.misbehave(Fault.SILENT_LEADER, "withholds its " + message.getClass().getSimpleName());
                    }
                    return;
                }
                out.send(to, message);
            }
        };
    }

    /** As leader: sends one batch to odd-numbered replicas and a different one to the others. */
    private static Behavior equivocation(Context c) {
        return new Behavior() {
            @Override
            public void onSend(int to, Message message, Outbox out) {
                if (message instanceof Propose p && to % 2 == 1) {
                    Batch other = new Batch(p.batch().timestampMs(), p.batch().nonce() + 1, p.batch().regency(), p.batch().requests());
                    out.send(to, new Propose(p.sender(), p.consensusId(), p.epoch(), other));
                    c.misbehave(Fault.EQUIVOCATION, "EQUIVOCATES cid=" + p.consensusId() + ": another batch to r" + to);
                    return;
                }
                out.send(to, message);
            }
        };
    }

    /** Votes (as itself, ACCEPTs validly signed) for digests nobody proposed. */
    private static Behavior fakeVotes(Context c) {
        return new Behavior() {
            @Override
            public void onSend(int to, Message message, Outbox out) {
                if (message instanceof Write w) {
                    out.send(to, new Write(w.sender(), w.consensusId(), w.epoch(), randomDigest(c.random)));
                    c.misbehave(Fault.FAKE_VOTES, "WRITEs an unproposed value for cid=" + w.consensusId() + " to r" + to);
                } else if (message instanceof Accept a) {
                    Accept fake = new Accept(a.sender(), a.consensusId(), a.epoch(), randomDigest(c.random));
                    out.send(to, fake.withSignature(c.ownSigner.sign(MessageCodec.signedBytes(fake))));
                    c.misbehave(Fault.FAKE_VOTES, "ACCEPTs an unproposed value for cid=" + a.consensusId() + " to r" + to);
                } else {
                    out.send(to, message);
                }
            }
        };
    }

    /**
     * Lies in its STOPDATA, signed as itself: claims it accepted nothing and wrote nothing, or
     * that it accepted and wrote, in the latest epoch before the new regency, a value some
     * leader proposed to it for the instance (an equivocating leader's other batch, say), or a
     * value nobody proposed. Only what it says about its own votes is a lie: its decision proof
     * must verify, so it cannot lie about what was decided.
     */
    private static Behavior lyingReports(Context c) {
        Map<Long, List<Batch>> proposed = new HashMap<>();
        return new Behavior() {
            @Override
            public Input onInput(Input input) {
                if (input instanceof Input.MessageReceived m && m.message() instanceof Propose p) {
                    List<Batch> seen = proposed.computeIfAbsent(p.consensusId(), k -> new ArrayList<>());
                    if (!seen.contains(p.batch()) && seen.size() < 4) {
                        seen.add(p.batch());
                    }
                    proposed.keySet().removeIf(cid -> cid < p.consensusId() - 16);
                }
                return input;
            }

            @Override
            public void onSend(int to, Message message, Outbox out) {
                if (!(message instanceof StopData d) || d.regency() == 0) {
                    out.send(to, message);
                    return;
                }
                // Lies about one instance it reports on (or the first open one).
                List<VoteHistory> truth = d.votes();
                long open = truth.isEmpty() || c.random.nextBoolean() ? d.lastDecided() + 1
                        : truth.get(c.random.nextInt(truth.size())).consensusId();
                VoteHistory lie;
                String what;
                List<Batch> seen = proposed.getOrDefault(open, List.of());
                int choice = c.random.nextInt(3);
                if (choice == 0) {
                    lie = null;
                    what = "claims it voted for nothing in cid=" + open;
                } else {
                    Batch value = choice == 1 && !seen.isEmpty() ? seen.get(c.random.nextInt(seen.size()))
                            : new Batch(0, c.random.nextLong(), Math.max(0, d.regency() - 1), List.of());
                    int epoch = d.regency() - 1;
                    lie = VoteHistory.none(open).withWrite(epoch, Digests.ofBatch(value)).withAccept(epoch, value);
                    what = "claims it accepted " + (choice == 1 && !seen.isEmpty() ? "a proposed" : "an unproposed")
                            + " value in cid=" + open + " epoch " + epoch;
                }
                List<VoteHistory> votes = new ArrayList<>();
                for (VoteHistory h : truth) {
                    if (h.consensusId() != open) {
                        votes.add(h);
                    }
                }
                if (lie != null) {
                    votes.add(lie);
                    votes.sort(java.util.Comparator.comparingLong(VoteHistory::consensusId));
                }
                StopData forged = new StopData(d.sender(), d.regency(), d.lastDecided(), d.decisionProof(), votes, Bytes.EMPTY);
                out.send(to, forged.withSignature(c.ownSigner.sign(MessageCodec.signedBytes(forged))));
                c.misbehave(Fault.LYING_REPORTS, what + " to r" + to);
            }
        };
    }

    /** Sends its proofs with signatures that do not verify. */
    /**
     * Offers, for the checkpoint it really has, a forged one of the same consensus id (an empty
     * key-value map, no client sessions) with the real decision proof, so that only the digest
     * gives it away, and serves the forged chunks. A replica that takes it needs f+1 matching
     * digests, so it never installs it unless that check is gone.
     */
    private static io.phalanx.core.message.Bytes forgedChunk(CheckpointImage fake, int index) {
        try {
            return fake.chunk(index);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("an image in memory failed to read", e);
        }
    }

    private static Behavior lyingCheckpoint(Context c) {
        Map<Long, CheckpointImage> forged = new HashMap<>();
        return new Behavior() {
            @Override
            public void onSend(int to, Message message, Outbox out) {
                if (message instanceof StateReport r && r.hasCheckpoint()) {
                    CheckpointImage fake = forged.computeIfAbsent(r.checkpointId(), id -> CheckpointImage.of(
                            new Checkpoint(id, 0, List.of(), List.of(), List.of(), io.phalanx.core.view.ViewHistory.of(c.view())),
                            new KeyValueService().snapshot(), CHUNK_BYTES));
                    out.send(to, new StateReport(r.sender(), r.lastDecided(), r.regency(), r.stopTarget(), r.highestVoted(),
                            r.checkpointId(), fake.length(), fake.chunkDigests(), r.checkpointProof(),
                            r.heardYourVotes(), r.recovering()));
                    c.misbehave(Fault.LYING_CHECKPOINT, "offers a forged checkpoint cid=" + r.checkpointId() + " to r" + to);
                } else if (message instanceof Chunk k && forged.containsKey(k.checkpointId())) {
                    CheckpointImage fake = forged.get(k.checkpointId());
                    if (k.index() < fake.chunkCount()) {
                        out.send(to, new Chunk(k.sender(), k.checkpointId(), k.index(), forgedChunk(fake, k.index())));
                    }
                } else {
                    out.send(to, message);
                }
            }
        };
    }

    /** The simulated replicas' chunk size: their batch limit ({@code ReplicaConfig#stateChunkBytes}). */
    private static final int CHUNK_BYTES = io.phalanx.core.replica.ReplicaConfig.defaults(0,
            io.phalanx.core.view.View.of(0, 4, 1, io.phalanx.core.view.Mode.BFT)).stateChunkBytes();

    private static Behavior badSignatures(Context c) {
        return new Behavior() {
            @Override
            public void onSend(int to, Message message, Outbox out) {
                Bytes garbage = randomBytes(c.random, 32);
                if (message instanceof Accept a) {
                    out.send(to, a.withSignature(garbage));
                } else if (message instanceof StopData d) {
                    out.send(to, d.withSignature(garbage));
                } else {
                    out.send(to, message);
                    return;
                }
                c.misbehave(Fault.BAD_SIGNATURES, "signs a " + message.getClass().getSimpleName() + " badly to r" + to);
            }
        };
    }

    /** Flips, truncates or pads the bytes of a third of its messages. */
    private static Behavior corruptBytes(Context c) {
        return new Behavior() {
            @Override
            public void onSend(int to, Message message, Outbox out) {
                if (c.random.nextInt(3) != 0) {
                    out.send(to, message);
                    return;
                }
                byte[] bytes;
                try {
                    bytes = c.codec.encode(message);
                } catch (CodecException e) {
                    throw new IllegalStateException(e);
                }
                byte[] corrupted = switch (c.random.nextInt(3)) {
                    case 0 -> flip(bytes, c.random);
                    case 1 -> java.util.Arrays.copyOf(bytes, c.random.nextInt(bytes.length));
                    default -> java.util.Arrays.copyOf(bytes, bytes.length + 1 + c.random.nextInt(8));
                };
                out.sendRaw(to, corrupted, "corrupted " + message.getClass().getSimpleName());
                c.misbehave(Fault.CORRUPT_BYTES, "corrupts a " + message.getClass().getSimpleName() + " to r" + to);
            }
        };
    }

    /** Replays old messages, its own and others', to random replicas. */
    private static Behavior replay(Context c) {
        List<Message> seen = new ArrayList<>();
        return new Behavior() {
            @Override
            public Input onInput(Input input) {
                if (input instanceof Input.MessageReceived m) {
                    remember(m.message());
                }
                return input;
            }

            @Override
            public void onSend(int to, Message message, Outbox out) {
                out.send(to, message);
                remember(message);
                if (seen.size() > 20 && c.random.nextInt(5) == 0) {
                    Message old = seen.get(c.random.nextInt(seen.size() - 10));
                    out.send(to, old);
                    c.misbehave(Fault.REPLAY, "replays an old " + old.getClass().getSimpleName() + " to r" + to);
                }
            }

            private void remember(Message message) {
                if (seen.size() < 500) {
                    seen.add(message);
                } else {
                    seen.set(c.random.nextInt(seen.size()), message);
                }
            }
        };
    }

    /** As leader: every batch gains a forged, a duplicated or an already-decided request. */
    private static Behavior badProposals(Context c) {
        Map<Long, Batch> mutated = new HashMap<>();
        List<Request> proposedBefore = new ArrayList<>();
        return new Behavior() {
            @Override
            public void onSend(int to, Message message, Outbox out) {
                if (!(message instanceof Propose p)) {
                    out.send(to, message);
                    return;
                }
                long key = p.consensusId() * 1_000 + p.epoch();
                Batch bad = mutated.computeIfAbsent(key, k -> corrupt(p.batch()));
                out.send(to, new Propose(p.sender(), p.consensusId(), p.epoch(), bad));
            }

            private Batch corrupt(Batch batch) {
                List<Request> requests = new ArrayList<>(batch.requests());
                String how;
                int choice = c.random.nextInt(3);
                if (choice == 0 && !proposedBefore.isEmpty()) {
                    requests.add(proposedBefore.get(c.random.nextInt(proposedBefore.size())));
                    how = "an already-proposed request";
                } else if (choice == 1 && !requests.isEmpty()) { // an empty batch fills a gap: nothing to repeat
                    requests.add(requests.get(0));
                    how = "a duplicate request";
                } else {
                    requests.add(new Request(CENSORED_CLIENT, 1 + c.random.nextInt(5), RequestKind.ORDERED, 0,
                            Bytes.utf8("forged"), randomBytes(c.random, 32)));
                    how = "a forged request";
                }
                proposedBefore.addAll(batch.requests());
                c.misbehave(Fault.BAD_PROPOSALS, "proposes a batch with " + how);
                return new Batch(batch.timestampMs(), batch.nonce(), batch.regency(), requests);
            }
        };
    }

    /** Withholds client {@link #CENSORED_CLIENT}'s requests: never admits them, strips them from relays. */
    private static Behavior censorship(Context c) {
        return new Behavior() {
            @Override
            public Input onInput(Input input) {
                if (input instanceof Input.RequestReceived r && r.request().clientId() == CENSORED_CLIENT
                        && r.request().kind() == RequestKind.ORDERED) {
                    c.misbehave(Fault.CENSORSHIP, "CENSORS " + r.request().id());
                    return null;
                }
                if (input instanceof Input.MessageReceived m && m.message() instanceof Forward f) {
                    return new Input.MessageReceived(m.from(), new Forward(f.sender(), uncensored(f.requests())));
                }
                if (input instanceof Input.MessageReceived m && m.message() instanceof Stop s) {
                    return new Input.MessageReceived(m.from(), new Stop(s.sender(), s.regency(), s.lastDecided(), uncensored(s.requests())));
                }
                return input;
            }

            private List<Request> uncensored(List<Request> requests) {
                return requests.stream().filter(r -> r.clientId() != CENSORED_CLIENT).toList();
            }
        };
    }

    private static int firstOther(int id) {
        return id == 0 ? 1 : 0;
    }

    private static Digest randomDigest(SplittableRandom random) {
        return new Digest(randomBytes(random, Digest.LENGTH));
    }

    private static Bytes randomBytes(SplittableRandom random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return Bytes.copyOf(bytes);
    }

    private static byte[] flip(byte[] bytes, SplittableRandom random) {
        byte[] copy = bytes.clone();
        int flips = 1 + random.nextInt(3);
        for (int i = 0; i < flips; i++) {
            copy[random.nextInt(copy.length)] ^= (byte) (1 + random.nextInt(255));
        }
        return copy;
    }
}

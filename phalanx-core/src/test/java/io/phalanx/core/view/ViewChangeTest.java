package io.phalanx.core.view;

import io.phalanx.core.codec.CodecException;
import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.message.Bytes;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each view change gives the next view, or says exactly why it cannot. */
class ViewChangeTest {
    private static Bytes key(int replica) {
        return Bytes.utf8("key-" + replica);
    }

    private static Addresses at(int replica) {
        return new Addresses("10.0.0." + replica + ":7000", "10.0.0." + replica + ":7100");
    }

    /** BFT n=4, f=1, every member with a key and addresses. */
    private static View four() {
        Map<Integer, Bytes> keys = Map.of(0, key(0), 1, key(1), 2, key(2), 3, key(3));
        Map<Integer, Addresses> addresses = Map.of(0, at(0), 1, at(1), 2, at(2), 3, at(3));
        return new View(5, List.of(0, 1, 2, 3), 1, Mode.BFT, keys, addresses);
    }

    @Test
    void addingAReplicaPutsItLastWithItsKeyAndAddressesUnderTheNextId() {
        View next = new ViewChange.Add(4, key(4), at(4)).applyTo(four());
        assertThat(next.id()).isEqualTo(6);
        assertThat(next.members()).containsExactly(0, 1, 2, 3, 4);
        assertThat(next.publicKeys()).containsEntry(4, key(4)).hasSize(5);
        assertThat(next.addresses()).containsEntry(4, at(4)).hasSize(5);
        assertThat(next.f()).isEqualTo(1);
    }

    @Test
    void aReplicaCannotBeAddedTwiceNorWithAnotherMembersKeyOrAddress() {
        assertThatThrownBy(() -> new ViewChange.Add(2, key(9), at(9)).applyTo(four()))
                .isInstanceOf(InvalidViewException.class).hasMessage("replica 2 is a member of view 5 already");
        assertThatThrownBy(() -> new ViewChange.Add(4, key(1), at(4)).applyTo(four()))
                .isInstanceOf(InvalidViewException.class).hasMessage("replicas 1 and 4 have the same public key");
        assertThatThrownBy(() -> new ViewChange.Add(4, key(4), new Addresses("10.0.0.9:1", "10.0.0.2:7100"))
                .applyTo(four()))
                .isInstanceOf(InvalidViewException.class).hasMessage("replicas 2 and 4 both use address 10.0.0.2:7100");
    }

    @Test
    void removingAReplicaDropsItsKeyAndAddressesButNotBelowWhatFNeeds() {
        View five = new ViewChange.Add(4, key(4), at(4)).applyTo(four());
        View next = new ViewChange.Remove(0).applyTo(five);
        assertThat(next.members()).containsExactly(1, 2, 3, 4);
        assertThat(next.publicKeys()).doesNotContainKey(0);
        assertThat(next.addresses()).doesNotContainKey(0);
        assertThatThrownBy(() -> new ViewChange.Remove(0).applyTo(four()))
                .isInstanceOf(InvalidViewException.class)
                .hasMessage("BFT mode with f=1 needs n >= 4 (3f+1), but the view has n=3");
        assertThatThrownBy(() -> new ViewChange.Remove(7).applyTo(four()))
                .isInstanceOf(InvalidViewException.class).hasMessage("replica 7 is not a member of view 5");
    }

    @Test
    void replacingAMembersKeyKeepsEverythingElse() {
        View next = new ViewChange.Replace(2, key(22), at(2)).applyTo(four());
        assertThat(next.members()).isEqualTo(four().members());
        assertThat(next.publicKeys()).containsEntry(2, key(22));
        assertThat(next.addresses()).isEqualTo(four().addresses());
        assertThatThrownBy(() -> new ViewChange.Replace(2, key(2), at(2)).applyTo(four()))
                .isInstanceOf(InvalidViewException.class).hasMessage("replica 2 has that key and those addresses already");
    }

    @Test
    void settingFChecksTheGroupSize() {
        View seven = four();
        for (int id = 4; id < 7; id++) {
            seven = new ViewChange.Add(id, key(id), at(id)).applyTo(seven);
        }
        assertThat(new ViewChange.SetF(2).applyTo(seven).f()).isEqualTo(2);
        assertThatThrownBy(() -> new ViewChange.SetF(2).applyTo(four()))
                .isInstanceOf(InvalidViewException.class)
                .hasMessage("BFT mode with f=2 needs n >= 7 (3f+1), but the view has n=4");
        assertThatThrownBy(() -> new ViewChange.SetF(1).applyTo(four()))
                .isInstanceOf(InvalidViewException.class).hasMessage("view 5 has f=1 already");
    }

    @Test
    void addingAReplicaKeepsTheLeaderOfTheDecidingRegencyWhateverTheRegency() {
        for (int regency = 0; regency < 12; regency++) {
            View four = four();
            View five = new ViewChange.Add(4, key(4), at(4)).applyTo(four, regency);
            assertThat(five.members()).containsExactlyInAnyOrder(0, 1, 2, 3, 4);
            assertThat(five.leaderOf(regency)).as("regency %d", regency).isEqualTo(four.leaderOf(regency));
            // The next regencies keep the old rotation until the new member's turn, which comes last.
            for (int later = 1; later < 4; later++) {
                assertThat(five.leaderOf(regency + later)).isEqualTo(four.leaderOf(regency + later));
            }
            assertThat(five.leaderOf(regency + 4)).isEqualTo(4);
        }
    }

    @Test
    void removingTheLeaderOfTheDecidingRegencyHandsItToTheNextMemberAndRemovingAnotherKeepsIt() {
        View five = new ViewChange.Add(4, key(4), at(4)).applyTo(four());
        for (int regency = 0; regency < 12; regency++) {
            int leader = five.leaderOf(regency);
            View withoutLeader = new ViewChange.Remove(leader).applyTo(five, regency);
            assertThat(withoutLeader.leaderOf(regency)).as("regency %d", regency).isEqualTo(five.leaderOf(regency + 1));
            int other = five.leaderOf(regency + 2);
            View withoutOther = new ViewChange.Remove(other).applyTo(five, regency);
            assertThat(withoutOther.leaderOf(regency)).isEqualTo(leader);
            assertThat(withoutOther.leaderOf(regency + 1)).isEqualTo(five.leaderOf(regency + 1));
            assertThat(withoutOther.leaderOf(regency + 2)).isEqualTo(five.leaderOf(regency + 3));
        }
    }

    @Test
    void aChangeThatKeepsTheMembersKeepsTheirOrderAndRegencyZeroKeepsTheListOrder() {
        View four = four();
        for (int regency = 0; regency < 8; regency++) {
            assertThat(new ViewChange.Replace(2, key(22), at(2)).applyTo(four, regency).members())
                    .containsExactly(0, 1, 2, 3);
        }
        View five = new ViewChange.Add(4, key(4), at(4)).applyTo(four, 0);
        assertThat(five).isEqualTo(new ViewChange.Add(4, key(4), at(4)).applyTo(four));
        assertThat(five.members()).containsExactly(0, 1, 2, 3, 4);
        assertThat(new ViewChange.Remove(0).applyTo(five, 0).members()).containsExactly(1, 2, 3, 4);
    }

    @Test
    void aChangeWhoseQuorumTheRunningReplicasCannotFormIsRefused() {
        View five = new ViewChange.Add(4, key(4), at(4)).applyTo(four());
        ViewChange.checkQuorumReachable(five, Set.of(0, 1, 2, 4)); // 4 of 5: a quorum (ceil(7/2) = 4)
        assertThatThrownBy(() -> ViewChange.checkQuorumReachable(five, Set.of(0, 1, 2, 9)))
                .isInstanceOf(InvalidViewException.class)
                .hasMessage("view 6 needs a quorum of 4 of [0, 1, 2, 3, 4], but only 3 of them are up and caught up"
                        + " (missing [3, 4])");
    }

    @Test
    void aViewRefusesDuplicateKeysAndAddresses() {
        assertThatThrownBy(() -> new View(0, List.of(0, 1, 2, 3), 1, Mode.BFT, Map.of(0, key(0), 1, key(0))))
                .isInstanceOf(InvalidViewException.class).hasMessage("replicas 0 and 1 have the same public key");
        assertThatThrownBy(() -> new View(0, List.of(0, 1, 2, 3), 1, Mode.BFT, Map.of(),
                Map.of(3, new Addresses("h:1", "h:1"))))
                .isInstanceOf(InvalidViewException.class)
                .hasMessage("replica 3 uses h:1 as both its mesh and its client address");
        assertThatThrownBy(() -> new View(0, List.of(0, 1, 2, 3), 1, Mode.BFT, Map.of(), Map.of(8, at(8))))
                .isInstanceOf(InvalidViewException.class)
                .hasMessage("addresses given for replica 8, which is not a member");
        assertThatThrownBy(() -> new Addresses(" ", "h:2")).isInstanceOf(InvalidViewException.class);
    }

    @Test
    void aMembersAdminAddressTravelsWithItsChangeAndAChangeOfTheOlderLayoutIsStillRead() throws CodecException {
        ViewChange add = new ViewChange.Add(4, key(4), new Addresses("a:1", "a:2", "127.0.0.1:7204"));
        assertThat(MessageCodec.decodeViewChange(MessageCodec.encodeViewChange(add))).isEqualTo(add);
        // Layout 1 (a log from an older build): version, kind, id, key, then mesh and client only.
        byte[] current = MessageCodec.encodeViewChange(new ViewChange.Add(4, key(4), new Addresses("a:1", "a:2")));
        byte[] older = java.util.Arrays.copyOf(current, current.length - 4); // without the empty admin address
        older[0] = 1;
        assertThat(MessageCodec.decodeViewChange(older))
                .isEqualTo(new ViewChange.Add(4, key(4), new Addresses("a:1", "a:2")));
    }

    @Test
    void everyChangeRoundTripsThroughItsEncodingAndGarbageIsRefused() throws CodecException {
        for (ViewChange change : List.of(new ViewChange.Add(4, key(4), at(4)), new ViewChange.Remove(3),
                new ViewChange.Replace(1, key(11), at(11)), new ViewChange.SetF(2))) {
            assertThat(MessageCodec.decodeViewChange(MessageCodec.encodeViewChange(change))).isEqualTo(change);
        }
        byte[] remove = MessageCodec.encodeViewChange(new ViewChange.Remove(3));
        assertThatThrownBy(() -> MessageCodec.decodeViewChange(java.util.Arrays.copyOf(remove, remove.length + 1)))
                .isInstanceOf(CodecException.class).hasMessage("1 trailing bytes after a view change");
        remove[1] = 9;
        assertThatThrownBy(() -> MessageCodec.decodeViewChange(remove))
                .isInstanceOf(CodecException.class).hasMessage("unknown view change kind 9");
        remove[0] = 3;
        assertThatThrownBy(() -> MessageCodec.decodeViewChange(remove))
                .isInstanceOf(CodecException.class)
                .hasMessage("view change of layout version 3 (this build reads 1 and 2)");
        byte[] add = MessageCodec.encodeViewChange(new ViewChange.Add(4, key(4), new Addresses("a:1", "a:2")));
        assertThatThrownBy(() -> MessageCodec.decodeViewChange(java.util.Arrays.copyOf(add, add.length - 2)))
                .isInstanceOf(CodecException.class);
    }
}

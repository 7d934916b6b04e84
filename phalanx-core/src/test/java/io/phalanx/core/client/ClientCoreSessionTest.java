package io.phalanx.core.client;

import io.phalanx.core.crypto.Signer;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Refusal;
import io.phalanx.core.message.Reply;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestKind;
import io.phalanx.core.view.Mode;
import io.phalanx.core.view.View;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A client whose session the replicas forgot goes on in a new one, and never sends an old operation under a new number. */
class ClientCoreSessionTest {
    private static final long SESSION = 5;
    private static final long NEXT = 9;
    private static final Bytes OP = Bytes.utf8("op");
    private static final Bytes A = Bytes.utf8("a");

    private final View bft = View.of(0, 4, 1, Mode.BFT);
    private final ClientCore client = new ClientCore(7, bft, new ClientConfig(100, 400, 4), Signer.NONE, SESSION);

    private static Reply reply(int from, Request request, Bytes result) {
        return new Reply(from, request.clientId(), request.sequence(), request.kind(), 0, 0, result);
    }

    private static Refusal unknown(int from, Request request) {
        return new Refusal(from, request.clientId(), request.sequence(), Refusal.Reason.SESSION_UNKNOWN, 0);
    }

    @Test
    void requestsStartedAfterANewSessionBeginAreNumberedInItFromOne() {
        Request refused = client.invoke(0, 1, OP, false).transmissions().get(0).request();
        assertThat(refused.sequence()).isEqualTo((SESSION << 32) + 1);
        client.onRefusal(0, unknown(0, refused));
        client.onRefusal(1, unknown(1, refused));
        ClientOutput failed = client.onRefusal(2, unknown(2, refused));
        assertThat(failed.failures()).containsExactly(
                new ClientOutput.Failure(1, refused.id(), Refusal.Reason.SESSION_UNKNOWN, 0));

        client.beginSession(NEXT);
        assertThat(client.session()).isEqualTo(NEXT);
        Request ordered = client.invoke(1, 2, OP, false).transmissions().get(0).request();
        Request query = client.invoke(1, 3, OP, true).transmissions().get(0).request();
        assertThat(ordered.sequence()).isEqualTo((NEXT << 32) + 1);
        assertThat(query.kind()).isEqualTo(RequestKind.UNORDERED);
        assertThat(query.sequence()).isEqualTo((NEXT << 32) + 1);
    }

    @Test
    void anOperationSentInTheOldSessionKeepsItsNumberAndCanStillComplete() {
        Request old = client.invoke(0, 1, OP, false).transmissions().get(0).request();
        client.beginSession(NEXT);
        ClientOutput resent = client.onTimeout(100, 1, 1);
        assertThat(resent.transmissions()).hasSize(1);
        assertThat(resent.transmissions().get(0).request()).isSameAs(old);
        client.onReply(101, 0, reply(0, old, A));
        client.onReply(101, 1, reply(1, old, A));
        assertThat(client.onReply(101, 2, reply(2, old, A)).completions())
                .containsExactly(new ClientOutput.Completion(1, old.id(), A));
    }

    @Test
    void aQueryRetriedAsOrderedAfterANewSessionTakesTheNewSessionsNumber() {
        Request query = client.invoke(0, 1, OP, true).transmissions().get(0).request();
        client.beginSession(NEXT);
        Request ordered = client.onTimeout(100, 1, 1).transmissions().get(0).request();
        assertThat(ordered.kind()).isEqualTo(RequestKind.ORDERED);
        assertThat(ordered.sequence()).isEqualTo((NEXT << 32) + 1);
        assertThat(query.sequence() >>> 32).isEqualTo(SESSION);
    }

    @Test
    void aNewSessionMustBeHigherAndFitThirtyOneBits() {
        assertThatThrownBy(() -> client.beginSession(SESSION)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> client.beginSession(SESSION - 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> client.beginSession(Integer.MAX_VALUE + 1L)).isInstanceOf(IllegalArgumentException.class);
        client.beginSession(Integer.MAX_VALUE);
        assertThat(client.session()).isEqualTo(Integer.MAX_VALUE);
    }
}

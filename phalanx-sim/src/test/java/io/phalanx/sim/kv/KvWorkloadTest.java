package io.phalanx.sim.kv;

import io.phalanx.kv.KeyValueService;
import io.phalanx.kv.KvOperation;
import io.phalanx.kv.KvResult;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KvWorkloadTest {
    private static List<KvOperation> generate(KvWorkload workload, long seed, int count) {
        SplittableRandom random = new SplittableRandom(seed);
        List<KvOperation> ops = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ops.add(workload.next(random));
        }
        return ops;
    }

    @Test
    void sameSeedGivesTheSameOperations() {
        assertThat(generate(new KvWorkload(), 7, 200)).isEqualTo(generate(new KvWorkload(), 7, 200));
        assertThat(generate(new KvWorkload(), 7, 200)).isNotEqualTo(generate(new KvWorkload(), 8, 200));
    }

    @Test
    void operationsStayInTheSmallKeySpaceAndUseEveryKind() {
        List<KvOperation> ops = generate(new KvWorkload(), 1, 2000);
        Set<Class<?>> kinds = new HashSet<>();
        Set<String> keys = new HashSet<>();
        ops.forEach(op -> {
            kinds.add(op.getClass());
            keys.add(op.key());
        });
        assertThat(keys).containsExactlyInAnyOrderElementsOf(new KvWorkload().keys()).hasSize(KvWorkload.KEY_COUNT_DEFAULT);
        assertThat(kinds).containsExactlyInAnyOrder(KvOperation.Put.class, KvOperation.Get.class,
                KvOperation.Delete.class, KvOperation.Cas.class, KvOperation.Incr.class);
    }

    @Test
    void mixWeightsAreObeyed() {
        KvWorkload readsOnly = new KvWorkload(3, 4, new KvWorkload.Mix(0, 1, 0, 0, 0));
        assertThat(generate(readsOnly, 3, 100)).allMatch(KvOperation::readOnly);
    }

    @Test
    void workloadConflictsEnoughThatSomeCasSucceedsAndSomeIncrFails() {
        KeyValueService service = new KeyValueService();
        List<KvResult> results = new ArrayList<>();
        for (KvOperation op : generate(new KvWorkload(), 5, 3000)) {
            results.add(KvResult.decode(service.execute(op.encode(), null)));
        }
        assertThat(results).anyMatch(r -> r instanceof KvResult.CasResult c && c.swapped());
        assertThat(results).anyMatch(r -> r instanceof KvResult.Error);
    }

    @Test
    void badConfigurationIsRefused() {
        assertThatThrownBy(() -> new KvWorkload(0)).hasMessageContaining("keyCount");
        assertThatThrownBy(() -> new KvWorkload.Mix(0, 0, 0, 0, 0)).hasMessageContaining("positive");
        assertThatThrownBy(() -> new KvWorkload.Mix(-1, 1, 0, 0, 0)).hasMessageContaining(">= 0");
    }
}

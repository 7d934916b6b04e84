package io.phalanx.core.storage;

import io.phalanx.core.replica.ImageStore;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Images without a log: what a previous run left goes at once, and only the newest few are kept. */
class ScratchImagesTest {
    private final MemoryStorage storage = new MemoryStorage();

    private static void write(ImageStore.Target target, int bytes) throws Exception {
        try (target) {
            target.write(new byte[bytes], 0, bytes);
            target.sync();
        }
    }

    @Test
    void anEarlierRunsImagesAreDeletedWhenTheStoreOpens() throws Exception {
        storage.put(StoredImages.fileName(7), new byte[3]);
        storage.put("log-00000000000000000000.seg", new byte[3]);

        new ScratchImages(storage, 2);

        assertThat(storage.list()).containsExactly("log-00000000000000000000.seg");
        assertThat(storage.operations).contains("syncDirectory");
    }

    @Test
    void openingAnImageKeepsTheNewestOthersUpToRetainAndTheImagesData() throws Exception {
        ScratchImages images = new ScratchImages(storage, 2);
        write(images.open(99), 5);
        write(images.open(199), 6);
        ImageStore.Target third = images.open(299);
        write(third, 7);

        assertThat(storage.list()).containsExactly(StoredImages.fileName(199), StoredImages.fileName(299));
        assertThat(third.data().length()).isEqualTo(7);
        assertThat(third.data().read(0, 7).length()).isEqualTo(7);
    }

    @Test
    void reopeningAnImageKeepsWhatWasWrittenToIt() throws Exception {
        ScratchImages images = new ScratchImages(storage, 2);
        write(images.open(99), 5);
        write(images.open(199), 6);

        ImageStore.Target again = images.open(99);

        assertThat(again.size()).isEqualTo(5);
        assertThat(storage.list()).containsExactly(StoredImages.fileName(99), StoredImages.fileName(199));
    }

    @Test
    void retainMustKeepTheImageBeingOpened() {
        assertThatThrownBy(() -> new ScratchImages(storage, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("retain");
    }
}

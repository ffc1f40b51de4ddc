package io.sagewatch.core;

import java.util.UUID;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

class InferenceIdsTest {

    @Test
    void idsAreVersion7AndSortByTimeAsStrings() {
        UUID earlier = InferenceIds.uuid7(1_700_000_000_000L);
        UUID later = InferenceIds.uuid7(1_700_000_000_001L);
        assertEquals(7, earlier.version());
        assertEquals(2, earlier.variant());
        assertThat(earlier.toString()).isLessThan(later.toString());
        assertThat(InferenceIds.newRequestId()).isNotEqualTo(InferenceIds.newRequestId());
    }
}

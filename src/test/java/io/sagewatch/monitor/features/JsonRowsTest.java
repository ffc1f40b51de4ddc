package io.sagewatch.monitor.features;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.sagewatch.testing.RecordedRows;

import static io.sagewatch.monitor.features.CsvRowsTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonRowsTest {

    private static Map<String, String> pointers() {
        Map<String, String> pointers = new LinkedHashMap<>();
        pointers.put("age", "/features/age");
        pointers.put("city", "/features/city");
        pointers.put("vip", "/vip");
        return pointers;
    }

    @Test
    void readsEachRecordOfABatchAtItsPointers() {
        RecordedRows sink = new RecordedRows();
        int count = new JsonRows(pointers(), "/instances", false).extract(bytes("""
                {"instances": [
                  {"features": {"age": 31, "city": "Lyon"}, "vip": true},
                  {"features": {"age": 2.5, "city": null}},
                  {"features": {"age": "old", "city": {"name": "Oslo"}}, "vip": false}
                ]}"""), sink);
        assertThat(count).isEqualTo(3);
        assertThat(sink.rows())
                .containsExactly(
                        "age=int:31, city=str:Lyon, vip=str:true",
                        "age=num:2.5, city=missing, vip=absent",
                        "age=str:old, city=str:{\"name\":\"Oslo\"}, vip=str:false");
    }

    @Test
    void jsonLinesAreOneDocumentPerLine() {
        RecordedRows sink = new RecordedRows();
        new JsonRows(Map.of("age", "/features/age"), null, true)
                .extract(bytes("{\"features\":{\"age\":1}}\n\n{\"features\":{\"age\":2}}\r\n"), sink);
        assertThat(sink.rows()).containsExactly("age=int:1", "age=int:2");
    }

    @Test
    void withoutPointersEveryScalarFieldIsAFeature() {
        RecordedRows sink = new RecordedRows();
        new JsonRows(Map.of(), null, false).extract(bytes("{\"a\": 1, \"b\": \"x\", \"nested\": {\"c\": 2}}"), sink);
        new JsonRows(Map.of(), "/instances", false).extract(bytes("{\"instances\": [[0.5, 7]]}"), sink);
        // a document that is an array of records is its rows; an array of scalars is one row
        new JsonRows(Map.of("label", "/label"), null, false)
                .extract(bytes("[{\"label\": \"A\"}, {\"label\": \"B\"}]"), sink);
        new JsonRows(Map.of(), null, false).extract(bytes("[1, 2]"), sink);
        assertThat(sink.rows())
                .containsExactly(
                        "a=int:1, b=str:x",
                        "_c0=num:0.5, _c1=int:7",
                        "label=str:A",
                        "label=str:B",
                        "_c0=int:1, _c1=int:2");
    }

    @Test
    void anUnreadablePayloadPutsNothing() {
        RecordedRows sink = new RecordedRows();
        JsonRows lines = new JsonRows(pointers(), null, true);
        assertThatThrownBy(() -> lines.extract(bytes("{\"vip\": 1}\n{not json"), sink))
                .isInstanceOf(UnreadablePayloadException.class)
                .hasMessage("line 2 is not JSON");
        assertThatThrownBy(() -> new JsonRows(pointers(), "/instances", false).extract(bytes("{\"rows\": []}"), sink))
                .isInstanceOf(UnreadablePayloadException.class)
                .hasMessage("no array of records at /instances");
        assertThat(sink.rows()).isEmpty();
    }
}

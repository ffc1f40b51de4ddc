package io.sagewatch.dev;

import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * A small lexicon-and-rules sentiment scorer (in the spirit of VADER): word valences, negation that flips the next
 * three words, intensifiers, and a logistic squash into a probability. Answers in the Hugging Face text-classification
 * shape: [{"label": "POSITIVE", "score": 0.93}], one per input.
 */
final class SentimentModel {

    private static final Map<String, Double> VALENCE = Map.ofEntries(
            Map.entry("good", 1.9),
            Map.entry("great", 3.1),
            Map.entry("excellent", 3.2),
            Map.entry("amazing", 2.8),
            Map.entry("awesome", 3.1),
            Map.entry("love", 3.2),
            Map.entry("loved", 2.9),
            Map.entry("like", 1.5),
            Map.entry("nice", 1.8),
            Map.entry("happy", 2.7),
            Map.entry("fast", 1.2),
            Map.entry("reliable", 1.9),
            Map.entry("wonderful", 2.7),
            Map.entry("best", 3.2),
            Map.entry("perfect", 2.7),
            Map.entry("fine", 0.8),
            Map.entry("helpful", 1.9),
            Map.entry("easy", 1.9),
            Map.entry("clean", 1.7),
            Map.entry("works", 1.1),
            Map.entry("recommend", 1.5),
            Map.entry("enjoy", 2.2),
            Map.entry("enjoyed", 2.3),
            Map.entry("fun", 2.3),
            Map.entry("bad", -2.5),
            Map.entry("terrible", -3.1),
            Map.entry("awful", -2.9),
            Map.entry("hate", -2.7),
            Map.entry("hated", -3.2),
            Map.entry("poor", -2.1),
            Map.entry("slow", -1.5),
            Map.entry("broken", -2.2),
            Map.entry("worst", -3.1),
            Map.entry("horrible", -2.5),
            Map.entry("sad", -2.1),
            Map.entry("angry", -2.3),
            Map.entry("disappointed", -2.1),
            Map.entry("disappointing", -2.2),
            Map.entry("bug", -1.2),
            Map.entry("crash", -2.0),
            Map.entry("crashes", -2.1),
            Map.entry("fails", -2.0),
            Map.entry("failed", -2.3),
            Map.entry("useless", -1.8),
            Map.entry("expensive", -1.1),
            Map.entry("confusing", -1.3),
            Map.entry("annoying", -1.7),
            Map.entry("problem", -1.7),
            Map.entry("wrong", -2.1),
            Map.entry("ugly", -2.3));

    private static final Set<String> NEGATIONS = Set.of(
            "not", "no", "never", "isn't", "wasn't", "don't", "doesn't", "didn't", "can't", "won't", "hardly",
            "nothing");
    private static final Map<String, Double> INTENSIFIERS = Map.of(
            "very",
            1.5,
            "really",
            1.4,
            "extremely",
            1.8,
            "so",
            1.3,
            "incredibly",
            1.8,
            "slightly",
            0.6,
            "somewhat",
            0.7,
            "quite",
            1.2);

    ArrayNode classify(List<String> texts) {
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (String text : texts) {
            double positive = probabilityPositive(text);
            boolean isPositive = positive >= 0.5;
            out.addObject()
                    .put("label", isPositive ? "POSITIVE" : "NEGATIVE")
                    .put("score", Math.round((isPositive ? positive : 1 - positive) * 10_000) / 10_000.0);
        }
        return out;
    }

    double probabilityPositive(String text) {
        String[] words = text.toLowerCase().split("[^a-z']+");
        double sum = 0;
        int negatedFor = 0;
        double intensity = 1.0;
        for (String word : words) {
            if (word.isEmpty()) {
                continue;
            }
            if (NEGATIONS.contains(word)) {
                negatedFor = 3;
                continue;
            }
            Double boost = INTENSIFIERS.get(word);
            if (boost != null) {
                intensity *= boost;
                continue;
            }
            Double valence = VALENCE.get(word);
            if (valence != null) {
                sum += valence * intensity * (negatedFor > 0 ? -0.74 : 1.0);
                intensity = 1.0;
            }
            negatedFor = Math.max(0, negatedFor - 1);
        }
        return 1.0 / (1.0 + Math.exp(-0.9 * sum));
    }
}

package groksweep.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ConcurrentModificationException;
import java.util.Deque;
import java.util.List;
import java.util.function.Supplier;

/** A session's start is tried again only when it lost Spark's UI race in YARN client mode, and only once. */
class LocalSparkTest {
    /** The failure as a YARN client-mode driver logged it: Jetty's, under SparkUI.attachAllHandlers. */
    static ConcurrentModificationException uiRace() {
        ConcurrentModificationException e = new ConcurrentModificationException();
        e.setStackTrace(new StackTraceElement[] {
            new StackTraceElement("java.util.ArrayList$ArrayListSpliterator", "forEachRemaining", "ArrayList.java", 1631),
            new StackTraceElement("org.sparkproject.jetty.ee10.servlet.ServletHandler", "initialize", "ServletHandler.java", 687),
            new StackTraceElement("org.apache.spark.ui.ServerInfo", "addHandler", "JettyUtils.scala", 485),
            new StackTraceElement("org.apache.spark.ui.SparkUI", "attachAllHandlers", "SparkUI.scala", 79),
            new StackTraceElement("org.apache.spark.SparkContext", "<init>", "SparkContext.scala", 700),
        });
        return e;
    }

    /** A start that fails with each of {@code failures} in turn, then returns "session". */
    static Supplier<String> startFailing(Deque<RuntimeException> failures, int[] calls) {
        return () -> {
            calls[0]++;
            if (!failures.isEmpty()) {
                throw failures.pop();
            }
            return "session";
        };
    }

    @Test
    void aLostUiRaceStartsOnceMore() {
        int[] calls = {0};
        assertEquals("session", LocalSpark.start(startFailing(new ArrayDeque<>(List.of(uiRace())), calls)));
        assertEquals(2, calls[0]);
    }

    @Test
    void aSecondLostRaceIsTheUsersToSee() {
        int[] calls = {0};
        ConcurrentModificationException second = uiRace();
        assertSame(second, assertThrows(ConcurrentModificationException.class,
                () -> LocalSpark.start(startFailing(new ArrayDeque<>(List.of(uiRace(), second)), calls))));
        assertEquals(2, calls[0]);
    }

    @Test
    void anyOtherFailureIsNotRetried() {
        int[] calls = {0};
        ConcurrentModificationException elsewhere = new ConcurrentModificationException("in a listener");
        assertSame(elsewhere, assertThrows(ConcurrentModificationException.class,
                () -> LocalSpark.start(startFailing(new ArrayDeque<>(List.of(elsewhere)), calls))));
        assertEquals(1, calls[0]);
        IllegalStateException other = new IllegalStateException("Cannot assign requested address");
        assertSame(other, assertThrows(IllegalStateException.class,
                () -> LocalSpark.start(startFailing(new ArrayDeque<>(List.of(other)), calls))));
        assertEquals(2, calls[0]);
    }
}

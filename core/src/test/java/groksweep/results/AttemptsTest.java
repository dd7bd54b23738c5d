package groksweep.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The verdict on a run from its lost attempts, worked by hand: a run that dies at the same step
 * is condemned, one that dies at different steps or at the cluster's hand trains again; and the
 * markers as a store holds them.
 */
class AttemptsTest {
    @TempDir
    Path dir;

    /** An attempt started at {@code t} that was last seen at {@code seen}, running 50 steps/s (slack 126 steps). */
    static Attempts.Attempt at(long t, boolean alone, int seen) {
        return new Attempts.Attempt(t, alone, "e" + t, seen, 50, false);
    }

    @Test
    void aRunThatDiesAtTheSameStepThreeTimesOnceAloneIsCondemnedSayingWhere() {
        Attempts.Verdict v = Attempts.verdict(List.of(at(1, false, 400), at(2, false, 420), at(3, true, 400)));
        Attempts.Condemn c = assertInstanceOf(Attempts.Condemn.class, v);
        assertEquals("lost its executor on 3 attempts at about the same step, last seen at step 400 on executor e1"
                + " (in a pack), step 420 on executor e2 (in a pack), step 400 on executor e3 (alone): it crashes there"
                + " (a native crash, or out of memory); its executors' logs have the trace", c.message());
    }

    @Test
    void twoLostAttemptsAreNotEnoughWhateverTheySay() {
        assertEquals(new Attempts.Train(true), Attempts.verdict(List.of(at(1, true, 400), at(2, true, 400))),
                "split from its pack, trained again");
        assertEquals(new Attempts.Train(false), Attempts.verdict(List.of(at(1, false, 400))), "one loss: still in its pack");
        assertEquals(new Attempts.Train(false), Attempts.verdict(List.of()));
    }

    /** The preempted run of the issue: killed at steps 150, 430 and 700, resuming from its checkpoints each time. */
    @Test
    void aRunKilledAtDifferentStepsTrainsAgain() {
        assertEquals(new Attempts.Train(true), Attempts.verdict(List.of(at(1, true, 150), at(2, true, 430), at(3, true, 700))));
        // the same place is one noting interval at the speed it ran: 127 steps apart is not
        assertEquals(new Attempts.Train(true), Attempts.verdict(List.of(at(1, true, 400), at(2, true, 527), at(3, true, 400))));
        assertInstanceOf(Attempts.Condemn.class,
                Attempts.verdict(List.of(at(1, true, 400), at(2, true, 526), at(3, true, 400))));
    }

    @Test
    void anAttemptThatOnceGotFurtherShowsTheStepCanBePassed() {
        List<Attempts.Attempt> lost = List.of(at(1, true, 900), at(2, true, 400), at(3, true, 410), at(4, true, 400));
        assertEquals(new Attempts.Train(true), Attempts.verdict(lost));
    }

    @Test
    void onlyTheLastThreeSuspectsCount() {
        List<Attempts.Attempt> lost = List.of(at(5, true, 300), at(2, true, 100), at(4, true, 300), at(3, true, 300));
        Attempts.Condemn c = assertInstanceOf(Attempts.Condemn.class, Attempts.verdict(lost), "100 came first");
        assertTrue(c.message().contains("step 300 on executor e3 (alone), step 300 on executor e4 (alone), step 300 on executor"
                + " e5 (alone) (and 1 other lost attempt)"), c.message());
    }

    @Test
    void aCrashInAPackIsNotAPackmatesUntilItDiesAlone() {
        assertEquals(new Attempts.Train(true), Attempts.verdict(List.of(at(1, false, 400), at(2, false, 400), at(3, false, 400))));
    }

    @Test
    void lossesThatWereTheClustersAreNoEvidence() {
        Attempts.Attempt preempted = new Attempts.Attempt(2, true, "e2", 400, 50, true);
        assertEquals(new Attempts.Train(true), Attempts.verdict(List.of(at(1, true, 400), preempted, at(3, true, 400))));
        assertInstanceOf(Attempts.Condemn.class,
                Attempts.verdict(List.of(at(1, true, 400), preempted, at(3, true, 400), at(4, true, 400))));
    }

    /** Attempts that died before noting a step, or before their speed was known, agree only on the same step. */
    @Test
    void withoutASpeedTheStepsMustBeEqual() {
        Attempts.Attempt early = new Attempts.Attempt(1, true, "e1", -1, 0, false);
        assertEquals(1.0, early.slack(), 1e-12);
        assertInstanceOf(Attempts.Condemn.class, Attempts.verdict(List.of(early, early, early)));
        Attempts.Attempt later = new Attempts.Attempt(2, true, "e2", 2, 0, false);
        assertEquals(new Attempts.Train(true), Attempts.verdict(List.of(early, later, early)));
    }

    @Test
    void markersAndTheDriversWordOnExecutorsAreReadBackForTheirApplication() throws Exception {
        ResultsStore store = new ResultsStore(dir.toString());
        Attempts.Marker a = Attempts.mark(store, "app-1", "r1", true, "3");
        assertTrue(a.seen(store, 100), "the first step is noted at once");
        assertTrue(!a.seen(store, 101), "the next within the interval is not");
        Attempts.mark(store, "app-1", "r1", false, "4");
        Attempts.mark(store, "app-0", "r1", true, "1"); // another sweep command's
        Attempts.executorLost(store, "app-1", "4", true, "Container preempted");
        Attempts.executorLost(store, "app-1", "3", false, "Command exited with code 137");

        List<Attempts.Attempt> lost = Attempts.lost(store, "app-1", "r1").stream()
                .sorted(java.util.Comparator.comparing(Attempts.Attempt::executor)).toList();
        assertEquals(2, lost.size());
        assertEquals(List.of("3", "4"), lost.stream().map(Attempts.Attempt::executor).toList());
        assertEquals(List.of(true, false), lost.stream().map(Attempts.Attempt::alone).toList());
        assertEquals(List.of(100, -1), lost.stream().map(Attempts.Attempt::seen).toList());
        assertEquals(List.of(false, true), lost.stream().map(Attempts.Attempt::cluster).toList());

        a.remove(store);
        assertEquals(1, Attempts.lost(store, "app-1", "r1").size(), "a cancelled attempt removes its marker");
        Attempts.clear(store, List.of("r1"));
        assertEquals(List.of(), Attempts.lost(store, "app-1", "r1"));
        Attempts.tidy(store);
        assertTrue(!Files.exists(dir.resolve("_attempts")), "nothing left once the sweep ends");
    }

    /**
     * A sweep's end: a marker a cancelled attempt noted after its run committed, and a directory
     * left empty, go; a marker of a run not committed stays, with the driver's records beside it,
     * until that run commits.
     */
    @Test
    void tidyRemovesWhatCommittedRunsLeftAndKeepsTheEvidenceOfOthers() throws Exception {
        ResultsStore store = new ResultsStore(dir.toString());
        String done = SyntheticResults.write(store, 1, 7, 100).get(0);
        Attempts.mark(store, "app-1", done, false, "2"); // noted after the commit
        Attempts.mark(store, "app-1", "r-empty", true, "3").remove(store); // its directory stays
        Attempts.Marker lost = Attempts.mark(store, "app-1", "r-lost", true, "4");
        Attempts.executorLost(store, "app-1", "4", false, "Command exited with code 137");

        Attempts.tidy(store);
        assertEquals(List.of("_executors", "r-lost"), list(dir.resolve("_attempts")));
        assertEquals(1, Attempts.lost(store, "app-1", "r-lost").size(), "the lost attempt still counts");

        lost.remove(store);
        Attempts.tidy(store);
        assertTrue(!Files.exists(dir.resolve("_attempts")), "nothing left once no run has a marker");
    }

    private static List<String> list(Path dir) throws java.io.IOException {
        try (var files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
        }
    }
}

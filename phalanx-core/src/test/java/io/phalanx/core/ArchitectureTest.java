package io.phalanx.core;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import io.phalanx.core.codec.MessageCodec;
import org.junit.jupiter.api.Test;

import java.io.RandomAccessFile;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Random;
import java.util.Timer;
import java.util.TimerTask;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.simpleNameStartingWith;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.fields;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noFields;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps {@code phalanx-core} a pure, deterministic state machine (DESIGN.md §2-3, STYLE.md §1).
 *
 * <p>Proves that the core's main classes read no clock, start or touch no threads or executors,
 * open no files, channels or sockets, draw no randomness they were not given, and hold no global
 * mutable state — so the simulator and the runtime run the very same code, and a failing
 * simulator seed replays exactly. Test classes are not imported: tests may do what they like.
 */
class ArchitectureTest {
    private static final JavaClasses CORE = new ClassFileImporter()
            .withImportOption(new ImportOption.DoNotIncludeTests())
            .importPackages("io.phalanx.core");

    private static final DescribedPredicate<JavaMethodCall> READ_A_CLOCK = DescribedPredicate.describe(
            "read a java.time clock (now() or Clock.system*())",
            call -> {
                JavaClass owner = call.getTargetOwner();
                boolean javaTime = owner.getPackageName().equals("java.time")
                        || owner.getPackageName().startsWith("java.time.");
                return javaTime && (call.getName().equals("now")
                        || owner.isEquivalentTo(Clock.class) && call.getName().startsWith("system"));
            });

    private static final String TIME_AS_INPUT = "the core gets time only as an input (DESIGN.md §3)";
    private static final String NO_THREADS = "the core is one object driven by step(); the runtime owns the threads";
    private static final String NO_IO = "the core returns outputs; the runtime or the simulator executes them";
    private static final String GIVEN_RANDOMNESS = "the core uses only randomness it was given, so a seed replays a run";
    private static final String NO_GLOBAL_STATE = "replicas sharing a JVM (the simulator) must not share state";

    private static void check(ArchRule rule, String reason) {
        rule.because(reason).check(CORE);
    }

    @Test
    void importsTheCoreMainClassesOnly() {
        assertThat(CORE.contain(MessageCodec.class)).isTrue();
        assertThat(CORE.contain(ArchitectureTest.class)).isFalse();
    }

    @Test
    void noSystemClock() {
        check(noClasses().should().callMethod(System.class, "currentTimeMillis")
                .orShould().callMethod(System.class, "nanoTime"), TIME_AS_INPUT);
    }

    @Test
    void noJavaTimeClock() {
        check(noClasses().should().callMethodWhere(READ_A_CLOCK), TIME_AS_INPUT);
    }

    @Test
    void noThreads() {
        check(noClasses().should().dependOnClassesThat(assignableTo(Thread.class)
                .or(belongToAnyOf(Thread.class, ThreadGroup.class))), NO_THREADS);
    }

    @Test
    void noExecutorsOrTimers() {
        check(noClasses().should().dependOnClassesThat(
                assignableTo(Executor.class)
                        .or(resideInAPackage("java.util.concurrent").and(simpleNameStartingWith("Executor")))
                        .or(simpleNameStartingWith("ScheduledExecutor"))
                        .or(belongToAnyOf(Timer.class, TimerTask.class))), NO_THREADS);
    }

    @Test
    void noFilesChannelsOrSockets() {
        check(noClasses().should().dependOnClassesThat(
                resideInAPackage("java.io").and(simpleNameStartingWith("File"))
                        .or(belongToAnyOf(RandomAccessFile.class))
                        .or(resideInAnyPackage("java.nio.file..", "java.nio.channels..", "java.net.."))), NO_IO);
    }

    @Test
    void noRandomnessItWasNotGiven() {
        check(noClasses().should().dependOnClassesThat(
                        assignableTo(Random.class)
                                .or(belongToAnyOf(Random.class, ThreadLocalRandom.class, SecureRandom.class)))
                .orShould().callMethod(UUID.class, "randomUUID")
                .orShould().callMethod(Math.class, "random")
                .orShould().callMethod(StrictMath.class, "random"), GIVEN_RANDOMNESS);
    }

    @Test
    void noGlobalMutableState() {
        check(fields().that().areStatic().should().beFinal(), NO_GLOBAL_STATE);
    }

    /** A static final array can still be written to by anyone; enum and switch tables are compiler-made. */
    @Test
    void noSharedStaticArrays() {
        check(noFields().that().areStatic().and().doNotHaveModifier(JavaModifier.SYNTHETIC)
                .should().haveRawType(DescribedPredicate.describe("an array", JavaClass::isArray)), NO_GLOBAL_STATE);
    }
}

package io.phalanx.cli;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the simulator out of the product: {@code phalanx sim} is the one command that runs it;
 * {@code phalanx replica}, {@code client}, {@code demo} and {@code bench} run {@code phalanx-kv},
 * {@code phalanx-runtime} and {@code phalanx-bench} (DESIGN.md §2). Test classes are not
 * imported: tests may use the simulator.
 */
class DependencyRulesTest {
    private static final JavaClasses CLI = new ClassFileImporter()
            .withImportOption(new ImportOption.DoNotIncludeTests())
            .importPackages("io.phalanx.cli");

    @Test
    void importsTheCliMainClassesOnly() {
        assertThat(CLI.contain(SimCommand.class)).isTrue();
        assertThat(CLI.contain(DependencyRulesTest.class)).isFalse();
    }

    @Test
    void onlyTheSimCommandUsesTheSimulator() {
        noClasses().that().doNotBelongToAnyOf(SimCommand.class)
                .should().dependOnClassesThat().resideInAPackage("io.phalanx.sim..")
                .because("only `phalanx sim` runs the simulator; the other commands run the product modules")
                .check(CLI);
    }
}

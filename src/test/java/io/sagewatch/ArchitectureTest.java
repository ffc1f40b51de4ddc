package io.sagewatch;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

/** The layout the code is meant to keep, checked on the compiled main classes. */
class ArchitectureTest {

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.sagewatch");

    @Test
    void noPackageDependsOnItselfThroughAnother() {
        slices().matching("io.sagewatch.(*)..").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void theCoreTypesImportNoOtherSagewatchPackage() {
        noClasses().that().resideInAPackage("io.sagewatch.core..")
                .should().dependOnClassesThat(resideInAPackage("io.sagewatch..")
                        .and(not(resideInAPackage("io.sagewatch.core.."))))
                .check(MAIN);
    }

    @Test
    void thePipelineKnowsTheModelAndTheObserversOnlyThroughTheirInterfaces() {
        noClasses().that().resideInAPackage("io.sagewatch.inference..")
                .should().dependOnClassesThat(resideInAnyPackage("io.sagewatch.sagemaker..", "io.sagewatch.store..",
                        "io.sagewatch.api.."))
                .check(MAIN);
    }

    @Test
    void theProviderAndTheObserversKnowNoFront() {
        noClasses().that().resideInAnyPackage("io.sagewatch.sagemaker..", "io.sagewatch.store..",
                "io.sagewatch.metrics..", "io.sagewatch.inference..", "io.sagewatch.auth..")
                .should().dependOnClassesThat(resideInAPackage("io.sagewatch.api.."))
                .check(MAIN);
    }
}

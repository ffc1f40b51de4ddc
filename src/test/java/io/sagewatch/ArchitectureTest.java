package io.sagewatch;

import java.util.ArrayList;
import java.util.List;

import jakarta.annotation.Priority;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;

import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

import io.sagewatch.api.Admitted;
import io.sagewatch.api.NotAdmitted;
import io.sagewatch.core.InferenceGuard;
import io.sagewatch.core.InferenceObserver;
import io.sagewatch.core.PipelineOrder;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

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
        noClasses()
                .that()
                .resideInAPackage("io.sagewatch.core..")
                .should()
                .dependOnClassesThat(
                        resideInAPackage("io.sagewatch..").and(not(resideInAPackage("io.sagewatch.core.."))))
                .check(MAIN);
    }

    @Test
    void thePipelineKnowsTheModelAndTheObserversOnlyThroughTheirInterfaces() {
        noClasses()
                .that()
                .resideInAPackage("io.sagewatch.inference..")
                .should()
                .dependOnClassesThat(resideInAnyPackage(
                        "io.sagewatch.sagemaker..",
                        "io.sagewatch.records..",
                        "io.sagewatch.table..",
                        "io.sagewatch.api.."))
                .check(MAIN);
    }

    /** Traces are one capability: OpenTelemetry's types stay in its package; the rest sees core's InferenceTrace. */
    @Test
    void onlyTheTracingPackageKnowsOpenTelemetry() {
        noClasses()
                .that()
                .resideInAPackage("io.sagewatch..")
                .and()
                .resideOutsideOfPackage("io.sagewatch.tracing..")
                .should()
                .dependOnClassesThat(resideInAPackage("io.opentelemetry.."))
                .check(MAIN);
    }

    @Test
    void theProviderAndTheObserversKnowNoFront() {
        noClasses()
                .that()
                .resideInAnyPackage(
                        "io.sagewatch.sagemaker..",
                        "io.sagewatch.records..",
                        "io.sagewatch.table..",
                        "io.sagewatch.metrics..",
                        "io.sagewatch.inference..",
                        "io.sagewatch.auth..",
                        "io.sagewatch.rollups..")
                .should()
                .dependOnClassesThat(resideInAPackage("io.sagewatch.api.."))
                .check(MAIN);
    }

    @Test
    void theTableLayerServesTheRecordsIdempotencyAndModelHealthAndKnowsNoneOfThem() {
        noClasses()
                .that()
                .resideInAPackage("io.sagewatch.table..")
                .should()
                .dependOnClassesThat(resideInAnyPackage(
                        "io.sagewatch.records..",
                        "io.sagewatch.idempotency..",
                        "io.sagewatch.monitor..",
                        "io.sagewatch.metrics..",
                        "io.sagewatch.api..",
                        "io.sagewatch.inference.."))
                .check(MAIN);
        noClasses()
                .that()
                .resideInAnyPackage("io.sagewatch.idempotency..", "io.sagewatch.monitor..")
                .should()
                .dependOnClassesThat(resideInAPackage("io.sagewatch.records.."))
                .check(MAIN);
    }

    /** Every route says whether it takes a concurrency slot: {@code @Admitted} or {@code @NotAdmitted}. */
    @Test
    void everyRouteHasAnAdmissionDecision() {
        List<String> undecided = new ArrayList<>();
        int routes = 0;
        for (JavaClass type : MAIN) {
            if (!type.isAnnotatedWith(Path.class)) {
                continue;
            }
            for (JavaMethod method : type.getMethods()) {
                boolean route = method.getAnnotations().stream()
                        .anyMatch(a -> a.getRawType().isAnnotatedWith(HttpMethod.class));
                if (!route) {
                    continue;
                }
                routes++;
                boolean decided = type.isAnnotatedWith(Admitted.class)
                        || type.isAnnotatedWith(NotAdmitted.class)
                        || method.isAnnotatedWith(Admitted.class)
                        || method.isAnnotatedWith(NotAdmitted.class);
                if (!decided) {
                    undecided.add(method.getFullName());
                }
            }
        }
        assertThat(routes).as("routes found").isGreaterThan(5);
        assertThat(undecided)
                .as("routes with neither @Admitted nor @NotAdmitted")
                .isEmpty();
    }

    /**
     * Guards and observers are ordered by {@link PipelineOrder}'s constants only: each one's priority is its own
     * constant, in the documented order, none shared.
     */
    @Test
    void guardsAndObserversTakeTheirOrderFromPipelineOrder() {
        assertThat(PipelineOrder.OBSERVERS)
                .doesNotHaveDuplicates()
                .isSortedAccordingTo(java.util.Comparator.reverseOrder());
        assertThat(PipelineOrder.GUARDS)
                .doesNotHaveDuplicates()
                .isSortedAccordingTo(java.util.Comparator.reverseOrder());
        List<Integer> observers = new ArrayList<>();
        List<Integer> guards = new ArrayList<>();
        for (JavaClass type : MAIN) {
            boolean observer = type.isAssignableTo(InferenceObserver.class) && !type.isInterface();
            boolean guard = type.isAssignableTo(InferenceGuard.class) && !type.isInterface();
            if (!observer && !guard) {
                continue;
            }
            assertThat(type.isAnnotatedWith(Priority.class))
                    .as(type.getName() + " has a @Priority")
                    .isTrue();
            int priority = type.getAnnotationOfType(Priority.class).value();
            (observer ? observers : guards).add(priority);
        }
        assertThat(observers)
                .as("the observers' priorities")
                .containsExactlyInAnyOrderElementsOf(PipelineOrder.OBSERVERS);
        assertThat(guards).as("the guards' priorities").containsExactlyInAnyOrderElementsOf(PipelineOrder.GUARDS);
    }
}

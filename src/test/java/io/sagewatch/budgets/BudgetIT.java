package io.sagewatch.budgets;

import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.sagewatch.testing.NativeHttpBuild;

/** Budgets: the same suite against the native executable. */
@QuarkusIntegrationTest
@NativeHttpBuild
class BudgetIT extends BudgetTest {}

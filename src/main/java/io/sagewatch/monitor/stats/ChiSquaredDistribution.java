package io.sagewatch.monitor.stats;

/** The chi-squared distribution's upper tail, through the regularized incomplete gamma function. */
final class ChiSquaredDistribution {

    private static final int MAX_TERMS = 1000;
    private static final double EPSILON = 1e-15;
    private static final double TINY = 1e-300;

    private ChiSquaredDistribution() {}

    /** P(X ≥ x) for X chi-squared with the given degrees of freedom. */
    static double survival(double x, int degreesOfFreedom) {
        if (Double.isNaN(x)) {
            return Double.NaN;
        }
        if (x <= 0) {
            return 1;
        }
        return upperRegularizedGamma(degreesOfFreedom / 2.0, x / 2);
    }

    /** Q(a, x) = Γ(a, x) / Γ(a): a series below x = a + 1, a continued fraction (Lentz) above, where each converges fast. */
    static double upperRegularizedGamma(double a, double x) {
        if (x < a + 1) {
            return 1 - lowerSeries(a, x);
        }
        return upperContinuedFraction(a, x);
    }

    private static double lowerSeries(double a, double x) {
        double term = 1 / a;
        double sum = term;
        for (int n = 1; n < MAX_TERMS; n++) {
            term *= x / (a + n);
            sum += term;
            if (Math.abs(term) < Math.abs(sum) * EPSILON) {
                break;
            }
        }
        return sum * Math.exp(-x + a * Math.log(x) - logGamma(a));
    }

    private static double upperContinuedFraction(double a, double x) {
        double b = x + 1 - a;
        double c = 1 / TINY;
        double d = 1 / b;
        double h = d;
        for (int i = 1; i < MAX_TERMS; i++) {
            double an = -i * (i - a);
            b += 2;
            d = an * d + b;
            if (Math.abs(d) < TINY) {
                d = TINY;
            }
            c = b + an / c;
            if (Math.abs(c) < TINY) {
                c = TINY;
            }
            d = 1 / d;
            double delta = d * c;
            h *= delta;
            if (Math.abs(delta - 1) < EPSILON) {
                break;
            }
        }
        return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h;
    }

    /** ln Γ(a) for a &gt; 0 (Lanczos, g = 7, nine coefficients: about 15 significant digits). */
    static double logGamma(double a) {
        if (a < 0.5) {
            // reflection keeps the approximation in its accurate range
            return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * a))) - logGamma(1 - a);
        }
        double[] g = {
            0.99999999999980993,
            676.5203681218851,
            -1259.1392167224028,
            771.32342877765313,
            -176.61502916214059,
            12.507343278686905,
            -0.13857109526572012,
            9.9843695780195716e-6,
            1.5056327351493116e-7
        };
        double z = a - 1;
        double sum = g[0];
        for (int i = 1; i < g.length; i++) {
            sum += g[i] / (z + i);
        }
        double t = z + 7.5;
        return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
    }
}

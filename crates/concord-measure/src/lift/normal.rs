//! The standard normal quantile (inverse CDF), for the lift's intervals and the sample sizes.

/// The standard normal quantile (inverse CDF) `Φ⁻¹(p)`, `None` unless `0 < p < 1`.
///
/// Wichura's AS241 (PPND16, Applied Statistics 37(3), 1988): rational approximations in three
/// regions with relative error about 1e-16, so no refinement step is needed. The coefficients are
/// the published ones (the same as CPython's `statistics.NormalDist.inv_cdf`).
#[allow(
    clippy::excessive_precision,
    reason = "AS241's published coefficients, kept verbatim so they can be checked against the paper"
)]
pub fn normal_quantile(p: f64) -> Option<f64> {
    if !(p > 0.0 && p < 1.0) {
        return None;
    }
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        let num = (((((((2.5090809287301226727e+3 * r + 3.3430575583588128105e+4) * r
            + 6.7265770927008700853e+4)
            * r
            + 4.5921953931549871457e+4)
            * r
            + 1.3731693765509461125e+4)
            * r
            + 1.9715909503065514427e+3)
            * r
            + 1.3314166789178437745e+2)
            * r
            + 3.3871328727963666080e+0)
            * q;
        let den = ((((((5.2264952788528545610e+3 * r + 2.8729085735721942674e+4) * r
            + 3.9307895800092710610e+4)
            * r
            + 2.1213794301586595867e+4)
            * r
            + 5.3941960214247511077e+3)
            * r
            + 6.8718700749205790830e+2)
            * r
            + 4.2313330701600911252e+1)
            * r
            + 1.0;
        return Some(num / den);
    }
    let tail = if q < 0.0 { p } else { 1.0 - p };
    let r = (-tail.ln()).sqrt();
    let x = if r <= 5.0 {
        let r = r - 1.6;
        let num = ((((((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r
            + 2.41780725177450611770e-1)
            * r
            + 1.27045825245236838258e+0)
            * r
            + 3.64784832476320460504e+0)
            * r
            + 5.76949722146069140550e+0)
            * r
            + 4.63033784615654529590e+0)
            * r
            + 1.42343711074968357734e+0;
        let den = ((((((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r
            + 1.51986665636164571966e-2)
            * r
            + 1.48103976427480074590e-1)
            * r
            + 6.89767334985100004550e-1)
            * r
            + 1.67638483018380384940e+0)
            * r
            + 2.05319162663775882187e+0)
            * r
            + 1.0;
        num / den
    } else {
        let r = r - 5.0;
        let num = ((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r
            + 1.24266094738807843860e-3)
            * r
            + 2.65321895265761230930e-2)
            * r
            + 2.96560571828504891230e-1)
            * r
            + 1.78482653991729133580e+0)
            * r
            + 5.46378491116411436990e+0)
            * r
            + 6.65790464350110377720e+0;
        let den = ((((((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r
            + 1.84631831751005468180e-5)
            * r
            + 7.86869131145613259100e-4)
            * r
            + 1.48753612908506148525e-2)
            * r
            + 1.36929880922735805310e-1)
            * r
            + 5.99832206555887937690e-1)
            * r
            + 1.0;
        num / den
    };
    Some(if q < 0.0 { -x } else { x })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64, tolerance: f64) -> bool {
        (actual - expected).abs() <= tolerance * expected.abs().max(1.0)
    }

    #[test]
    fn normal_quantile_matches_reference_values() {
        // Expected values from mpmath at 30 digits: sqrt(2) * erfinv(2p - 1).
        fn check(p: f64, expected: Option<f64>) {
            let actual = normal_quantile(p);
            let ok = match (actual, expected) {
                (Some(a), Some(e)) => close(a, e, 1e-12),
                (a, e) => a == e,
            };
            assert!(ok, "quantile({p}) = {actual:?}, expected {expected:?}");
        }
        check(0.5, Some(0.0));
        check(0.975, Some(1.959963984540054));
        check(0.025, Some(-1.959963984540054));
        check(0.9, Some(1.2815515655446004));
        check(0.1, Some(-1.2815515655446004));
        check(0.999, Some(3.090232306167813));
        check(0.001, Some(-3.090232306167813));
        check(0.8, Some(0.8416212335729142));
        check(0.995, Some(2.575_829_303_548_901));
        check(1e-10, Some(-6.361340902404056));
        check(0.0, None);
        check(1.0, None);
        check(-0.1, None);
        check(f64::NAN, None);
    }
}

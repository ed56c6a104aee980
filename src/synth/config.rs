//! [`SynthConfig`]: how many articles, the seed, and the rate of each kind
//! of planted duplicate.

use super::Kind;
use crate::error::{Error, Result};

/// How to generate a synthetic corpus; a plain value with chained setters.
///
/// # Example
///
/// ```
/// use echodup::synth::{Kind, SynthConfig};
///
/// let config = SynthConfig::new()
///     .num_docs(10_000)
///     .seed(3)
///     .rate(Kind::Wire, 0.10)
///     .rate(Kind::Exact, 0.0)
///     .boilerplate(0.5);
/// assert_eq!(config.get_rate(Kind::Wire), 0.10);
/// assert_eq!(config.get_rate(Kind::Syndicated), 0.04); // default kept
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct SynthConfig {
    num_docs: usize,
    seed: u64,
    rates: [f64; Kind::ALL.len()],
    boilerplate: f64,
}

impl Default for SynthConfig {
    fn default() -> Self {
        SynthConfig::new()
    }
}

impl SynthConfig {
    /// 1,000 articles, seed 0, the default rates (see [`rate`](Self::rate))
    /// and boilerplate on 30% of the articles.
    pub fn new() -> Self {
        SynthConfig {
            num_docs: 1_000,
            seed: 0,
            rates: Kind::ALL.map(Kind::default_rate),
            boilerplate: 0.3,
        }
    }

    /// The number of articles. Defaults to 1,000. Tuned for 1,000 to
    /// 1,000,000; anything from 1 to `u32::MAX - 1` is accepted.
    pub fn num_docs(mut self, n: usize) -> Self {
        self.num_docs = n;
        self
    }

    /// The seed. Defaults to 0. Different seeds give unrelated corpora over
    /// the same vocabulary.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The fraction of articles of `kind` (0 to 1; the rates together at
    /// most 1). Defaults: exact 1%, variant 2%, syndicated 4%, paragraphs 2%,
    /// doubled 2%, repeated block 2%, wire copies 5%, quote 3%, same-topic
    /// negatives 2%, developing stories 2%. An article that would need a
    /// source before any original exists becomes an original.
    pub fn rate(mut self, kind: Kind, rate: f64) -> Self {
        self.rates[kind.index()] = rate;
        self
    }

    /// The fraction of articles that end with their outlet's footer lines
    /// (boilerplate shared by very many articles). Defaults to 0.3.
    pub fn boilerplate(mut self, rate: f64) -> Self {
        self.boilerplate = rate;
        self
    }

    /// The number of articles.
    pub fn get_num_docs(&self) -> usize {
        self.num_docs
    }

    /// The seed.
    pub fn get_seed(&self) -> u64 {
        self.seed
    }

    /// The rate of `kind`.
    pub fn get_rate(&self, kind: Kind) -> f64 {
        self.rates[kind.index()]
    }

    /// The boilerplate rate.
    pub fn get_boilerplate(&self) -> f64 {
        self.boilerplate
    }

    pub(super) fn validate(&self) -> Result<()> {
        if self.num_docs == 0 || self.num_docs >= u32::MAX as usize {
            return Err(Error::invalid_config(
                "num_docs",
                format!("({}) must be between 1 and {}", self.num_docs, u32::MAX - 1),
            ));
        }
        for kind in Kind::ALL {
            let r = self.get_rate(kind);
            if !(0.0..=1.0).contains(&r) {
                return Err(Error::invalid_config(
                    "rate",
                    format!("of {kind} ({r}) must be between 0 and 1"),
                ));
            }
        }
        let sum: f64 = self.rates.iter().sum();
        if sum > 1.0 + 1e-9 {
            return Err(Error::invalid_config(
                "rate",
                format!("sum ({sum}) must be at most 1"),
            ));
        }
        if !(0.0..=1.0).contains(&self.boilerplate) {
            return Err(Error::invalid_config(
                "boilerplate",
                format!("({}) must be between 0 and 1", self.boilerplate),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DocId;
    use crate::synth::Generator;

    #[test]
    fn config_is_validated() {
        assert!(Generator::new(SynthConfig::new().num_docs(0)).is_err());
        assert!(Generator::new(SynthConfig::new().rate(Kind::Wire, 1.5)).is_err());
        assert!(Generator::new(SynthConfig::new().rate(Kind::Wire, 0.9)).is_err());
        assert!(Generator::new(SynthConfig::new().boilerplate(-0.1)).is_err());
        let none = Kind::ALL
            .iter()
            .fold(SynthConfig::new().num_docs(50), |c, &k| c.rate(k, 0.0));
        let g = Generator::new(none).unwrap();
        assert!((0..50).all(|i| g.origin(DocId::new(i)).is_none()));
        assert!(g.truth().pairs().is_empty());
    }
}

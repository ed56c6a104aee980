//! One text form for the public enums of a configuration.
//!
//! Every enum a user sets in a [`Config`](crate::Config) has a single name
//! per variant, written by `Display` and read back by `FromStr`: the CLI's
//! flag values, the Python binding's keyword values, the index file's
//! configuration text and serde (with the `serde` feature) all use it, so a
//! value written by one is read by every other. Parsing is case-insensitive
//! and takes `-` for `_` (`blank-lines` reads as `blank_lines`), so command
//! lines can use their usual spelling.

/// Implements `Display`, `FromStr` (error: [`Error::invalid_config`]
/// naming `$param`) and, with the `serde` feature, `Serialize` and
/// `Deserialize` through that text, for a fieldless enum.
///
/// [`Error::invalid_config`]: crate::Error
macro_rules! text_form {
    ($ty:ty, $param:literal, { $($variant:path => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// The names [`FromStr`](std::str::FromStr) accepts, in the
            /// order of the variants (also what `Display` writes).
            pub const NAMES: &'static [&'static str] = &[$($name),+];

            /// This value's name in its text form.
            pub fn name(&self) -> &'static str {
                match self {
                    $($variant => $name,)+
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl std::str::FromStr for $ty {
            type Err = $crate::Error;

            fn from_str(s: &str) -> $crate::Result<Self> {
                let key = $crate::text::canonical(s);
                $(if key == $name {
                    return Ok($variant);
                })+
                Err($crate::Error::invalid_config(
                    $param,
                    format!("must be one of {} (got {s:?})", <$ty>::NAMES.join(", ")),
                ))
            }
        }

        $crate::text::serde_via_text!($ty);
    };
}

/// `Serialize`/`Deserialize` through `Display`/`FromStr` (feature `serde`).
#[cfg(feature = "serde")]
macro_rules! serde_via_text {
    ($ty:ty) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

#[cfg(not(feature = "serde"))]
macro_rules! serde_via_text {
    ($ty:ty) => {};
}

pub(crate) use {serde_via_text, text_form};

/// `s` trimmed, lower-cased, with `-` read as `_`.
pub(crate) fn canonical(s: &str) -> String {
    s.trim().to_ascii_lowercase().replace('-', "_")
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use crate::{KeepPolicy, Level, Measure, Segmentation, Shingling, Verification};

    fn round_trips<T>(values: &[T])
    where
        T: FromStr<Err = crate::Error> + std::fmt::Display + PartialEq + std::fmt::Debug,
    {
        for v in values {
            assert_eq!(&v.to_string().parse::<T>().unwrap(), v);
        }
    }

    #[test]
    fn every_enum_reads_back_what_it_writes() {
        round_trips(&[
            Segmentation::Auto,
            Segmentation::BlankLines,
            Segmentation::Lines,
        ]);
        round_trips(&[Measure::Jaccard, Measure::Containment]);
        round_trips(&[Verification::Exact, Verification::Estimate]);
        round_trips(&[KeepPolicy::First, KeepPolicy::Longest]);
        round_trips(&[crate::Clustering::Components, crate::Clustering::Star]);
        round_trips(&[Level::Document, Level::Passage]);
        round_trips(&[
            Shingling::Words(5),
            Shingling::Chars(3),
            Shingling::Words(1024),
            Shingling::Glyphs(6),
        ]);
    }

    #[test]
    fn command_line_spellings_are_accepted() {
        assert_eq!(
            "blank-lines".parse::<Segmentation>().unwrap(),
            Segmentation::BlankLines
        );
        assert_eq!(
            " Containment ".parse::<Measure>().unwrap(),
            Measure::Containment
        );
        assert_eq!("chars:5".parse::<Shingling>().unwrap(), Shingling::Chars(5));
    }

    #[test]
    fn unknown_names_are_config_errors_naming_the_parameter() {
        let e = "paragraphs".parse::<Segmentation>().unwrap_err();
        assert_eq!(e.parameter(), Some("segmentation"));
        assert!(e.to_string().contains("auto, blank_lines, lines"), "{e}");
        for bad in ["words", "words:", "words:x", "bytes:5", "chars:-1"] {
            let e = bad.parse::<Shingling>().unwrap_err();
            assert_eq!(e.parameter(), Some("shingling"), "{bad}");
        }
        assert_eq!(
            "all".parse::<KeepPolicy>().unwrap_err().parameter(),
            Some("keep")
        );
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_uses_the_text_form() {
        let json = serde_json::to_string(&(Segmentation::Lines, Shingling::Chars(4))).unwrap();
        assert_eq!(json, r#"["lines","chars:4"]"#);
        let back: (Segmentation, Shingling) = serde_json::from_str(&json).unwrap();
        assert_eq!(back, (Segmentation::Lines, Shingling::Chars(4)));
        assert!(serde_json::from_str::<Measure>(r#""cosine""#).is_err());
    }
}

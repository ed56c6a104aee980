//! Sites: each with its own name, layout and chrome (header lines, byline
//! format, section link, newsletter prompt, copyright line).

use std::fmt::Write as _;

use crate::synth::rng::{Rng, SALT_PAGE_SITE};
use crate::synth::text::{Vocabulary, push_capitalized};

/// How a site lays out the lines of a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Layout {
    /// One paragraph (or chrome line) per line, no blank lines.
    Lines,
    /// Paragraphs and chrome separated by blank lines; the related headlines
    /// are one block of lines.
    BlankLines,
    /// As [`BlankLines`](Self::BlankLines), with body paragraphs wrapped at
    /// 72 characters.
    HardWrapped,
}

/// Story sections; a story's section is its topic modulo their number.
pub(super) const SECTIONS: [&str; 10] = [
    "Politics",
    "Business",
    "World",
    "Sports",
    "Science",
    "Health",
    "Culture",
    "Technology",
    "Climate",
    "Local",
];

const NOUNS: [&str; 10] = [
    "Courier",
    "Ledger",
    "Herald",
    "Tribune",
    "Dispatch",
    "Gazette",
    "Chronicle",
    "Observer",
    "Sentinel",
    "Record",
];

const MONTHS: [&str; 12] = [
    "Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.",
    "Dec.",
];

/// The header items of a page, in the site's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Header {
    Advert,
    Name,
    Listen,
    Headline,
    Byline,
}

/// One site: name, layout and the fixed parts of its chrome.
#[derive(Clone, Debug)]
pub(super) struct Site {
    pub(super) name: String,
    pub(super) layout: Layout,
    /// Chooses the format of each chrome item (`style % k` for a k-way
    /// choice, so the first sites all differ).
    style: usize,
    pub(super) header: &'static [Header],
    pub(super) advert: &'static str,
    pub(super) newsletter: String,
    pub(super) copyright: String,
    /// A paragraph of prose asking for support (heavy chrome only).
    pub(super) appeal: String,
    authors: Vec<String>,
}

impl Site {
    pub(super) fn new(seed: u64, s: usize, hard_wrap: bool, vocab: &Vocabulary) -> Site {
        use Header::*;
        const HEADERS: [&[Header]; 4] = [
            &[Advert, Name, Headline, Byline, Listen],
            &[Name, Headline, Listen, Byline, Advert],
            &[Advert, Headline, Byline, Name],
            &[Name, Advert, Headline, Listen, Byline],
        ];
        const ADVERTS: [&str; 3] = [
            "Advertisement",
            "ADVERTISEMENT",
            "Advertisement - Scroll to continue",
        ];
        let mut rng = Rng::new(seed, s as u64, SALT_PAGE_SITE);
        let mut name = String::from("The ");
        push_capitalized(vocab.rare_word(&mut rng), &mut name);
        name.push(' ');
        name.push_str(NOUNS[s % NOUNS.len()]);
        let mut letter = String::new();
        push_capitalized(vocab.rare_word(&mut rng), &mut letter);
        let newsletter = match s % 4 {
            0 => format!(
                "Sign up for {letter} Today, the newsletter of {name}, with the news you need every morning."
            ),
            1 => format!("Get the {letter} Brief from {name} in your inbox. Sign up here."),
            2 => format!(
                "Want more stories like this? Subscribe to {letter}, our free weekday newsletter, and never miss a story."
            ),
            _ => format!(
                "Newsletter: the {letter} Report brings the day's top stories from {name} to your inbox each evening."
            ),
        };
        let appeal = match s % 3 {
            0 => format!(
                "Independent reporting costs money. {name} relies on readers like you to keep our newsroom going, \
                 to send reporters where the story is and to keep this site free for everyone. If you value \
                 what we do, please consider a monthly contribution today. Every gift, large or small, helps."
            ),
            1 => format!(
                "Thank you for reading {name}. Our journalism is made possible by subscribers, and right now a \
                 full year of unlimited access costs less than a cup of coffee a month. Join the thousands of \
                 readers who already support local and national reporting that holds the powerful to account."
            ),
            _ => format!(
                "Before you go: {name} is a nonprofit newsroom. We do not put our stories behind a paywall, \
                 because we believe everyone deserves access to trustworthy news. That only works because \
                 readers chip in. Become a member for as little as five dollars and help us keep going."
            ),
        };
        let year = 2019 + rng.below(7);
        let copyright = match s % 3 {
            0 => format!("© {year} {name}. All rights reserved."),
            1 => format!("Copyright {year} {name} Media Group. All Rights Reserved."),
            _ => format!(
                "© {name} {year}. This material may not be published, broadcast, rewritten or redistributed."
            ),
        };
        let authors = (0..12)
            .map(|_| {
                let mut a = String::new();
                push_capitalized(vocab.rare_word(&mut rng), &mut a);
                a.push(' ');
                push_capitalized(vocab.rare_word(&mut rng), &mut a);
                a
            })
            .collect();
        let layout = if hard_wrap && s == 3 {
            Layout::HardWrapped
        } else if s % 3 == 1 {
            Layout::BlankLines
        } else {
            Layout::Lines
        };
        Site {
            name,
            layout,
            style: s,
            header: HEADERS[s % HEADERS.len()],
            advert: ADVERTS[s % ADVERTS.len()],
            newsletter,
            copyright,
            appeal,
            authors,
        }
    }

    /// The site-name line of a page in `section`.
    pub(super) fn name_line(&self, section: &str) -> String {
        match self.style % 3 {
            0 => self.name.clone(),
            1 => format!("{} | {section}", self.name),
            _ => self.name.to_uppercase(),
        }
    }

    /// The "listen" line of a page of `words` words.
    pub(super) fn listen_line(&self, words: usize) -> String {
        let min = words / 230 + 1;
        match self.style % 5 {
            0 => format!("Listen to this article · {min} min"),
            1 => "Listen to this article".to_string(),
            2 => format!("Listen ({min} min)"),
            3 => format!("Audio: {min}:{:02} · Listen to this story", words % 60),
            _ => format!("Listen to this article ({min} minutes)"),
        }
    }

    /// A byline with authors and a date drawn from `rng`.
    pub(super) fn byline(&self, rng: &mut Rng) -> String {
        let a = &self.authors[rng.below(self.authors.len() as u64) as usize];
        let b = &self.authors[rng.below(self.authors.len() as u64) as usize];
        let month = MONTHS[rng.below(12) as usize];
        let day = rng.between(1, 28);
        let year = 2020 + rng.below(6);
        let mut s = String::new();
        let _ = match self.style % 6 {
            0 => write!(s, "By {a}"),
            1 => write!(s, "{a}, {} staff writer", self.name),
            2 => write!(s, "By {} | Updated {month} {day}, {year}", a.to_uppercase()),
            3 => write!(s, "By {a} and {b}"),
            4 => write!(
                s,
                "Written by {a} · {month} {day}, {year}, {}:{:02} {}",
                rng.between(1, 12),
                rng.below(60),
                if rng.chance(0.5) { "a.m." } else { "p.m." }
            ),
            _ => write!(s, "{a} | {} | {month} {day}, {year}", self.name),
        };
        s
    }

    /// The section link line that opens the footer.
    pub(super) fn section_line(&self, section: &str) -> String {
        match self.style % 6 {
            0 => format!("More In {section} MORE..."),
            1 => format!("More from {section} »"),
            2 => format!("Read more: {section}"),
            3 => format!("{section} | See all stories"),
            4 => format!("More {section} stories ›"),
            _ => format!("Latest in {section}"),
        }
    }
}

// Sample news articles for the `news` example and the tests that check it.
//
// Every article is fictional and was written for this crate: no text comes
// from real news. Each is a headline, a blank line, then paragraphs
// separated by blank lines. The set holds one of each case the crate is
// built for:
//
// - `harbour-fire-syndicated` is a syndicated copy of `harbour-fire` with a
//   few words edited and different typography (curly quotes and apostrophes,
//   an em dash, non-breaking spaces);
// - `council-budget` was doubled by a scraper: its four body paragraphs
//   appear twice;
// - three rail-strike stories carry the same wire paragraphs under their own
//   headlines and leads;
// - a newsletter prompt and a "More in Politics" line recur as boilerplate;
// - `harbour-fire-cause`, `budget-explainer` and `rail-strike-explainer`
//   cover the same subjects in their own words and must not be flagged.

/// One sample article: a short id and its text (headline first).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Article {
    /// A short, stable name.
    pub(crate) id: &'static str,
    /// Headline, blank line, paragraphs separated by blank lines.
    pub(crate) text: &'static str,
}

impl Article {
    /// The headline (first line).
    #[allow(dead_code)] // not every includer prints headlines
    pub(crate) fn title(&self) -> &'static str {
        self.text.lines().next().unwrap_or("")
    }
}

/// The sample articles, in the order they are deduplicated.
pub(crate) const ARTICLES: &[Article] = &[
    Article {
        id: "harbour-fire",
        text: "Fire damages warehouse at Port Allard harbour

Fire crews spent most of Tuesday night fighting a blaze that tore through a grain warehouse on the north quay of Port Allard harbour, sending a column of smoke over the old town.

\"We could see the flames from the ferry terminal,\" said Mara Olsen, who runs a caf\u{e9} on the waterfront. \"By midnight the whole roof was gone.\"

The harbour authority said no one was hurt. Two night watchmen left the building when the alarm sounded shortly after ten o'clock, and the quay was closed to traffic until morning.

Fire chief Daniel Ruiz said investigators would examine the electrical system that was installed during last year's renovation. The cause of the fire is not yet known.

The warehouse held about 3,000 tonnes of barley awaiting export. Its owner, the Allard Grain Cooperative, said the loss was insured and that shipments would move to the south quay.",
    },
    Article {
        id: "harbour-fire-syndicated",
        text: "FIRE DAMAGES GRAIN WAREHOUSE AT PORT ALLARD HARBOUR

Fire crews spent most of Tuesday night fighting a blaze that tore through a grain warehouse on the north quay of Port\u{a0}Allard harbour, sending a column of smoke over the old town.

\u{201c}We could see the flames from the ferry terminal,\u{201d} said Mara Olsen, who runs a cafe\u{301} on the waterfront. \u{201c}By midnight the whole roof was gone.\u{201d}

The harbour authority said no one was hurt \u{2014} two night watchmen left the building when the alarm sounded shortly after ten o\u{2019}clock, and the quay was closed to traffic until the morning.

Fire chief Daniel\u{a0}Ruiz said investigators would examine the electrical system that was installed during last year\u{2019}s renovation. The cause of the fire is not yet known.

The warehouse held about 3,000\u{a0}tonnes of barley awaiting export. Its owner, the Allard Grain Cooperative, said the loss was fully insured and that shipments would move to the south quay.",
    },
    Article {
        id: "harbour-fire-cause",
        text: "Faulty wiring blamed for quay blaze

Investigators have traced last week's warehouse fire in Port Allard to a junction box that overheated in the building's loft, according to a report published on Monday.

The box had been fitted by a subcontractor during a renovation and was not covered by the inspection the port carried out in the spring, the report found.

Chief Daniel Ruiz told reporters that similar boxes would be checked in every harbour building before the end of the month.

The grain cooperative that owned the stock has begun clearing the site. It hopes to rebuild on the same plot within two years.

Sign up for our morning newsletter to get the day's top stories in your inbox.",
    },
    Article {
        id: "council-budget",
        text: "Council passes budget after late-night session

Port Allard's town council approved next year's budget just before one o'clock on Thursday morning, ending a session that began at six the previous evening.

The plan raises spending on road repairs by twelve percent and sets aside money for a second ambulance station in the eastern districts.

Opposition councillors argued that the increase in parking fees would hurt shop owners in the old town, and voted against the final text.

\"This is a budget for people who drive to work and for people who walk to work,\" said Mayor Ines Kalda after the vote.

Port Allard's town council approved next year's budget just before one o'clock on Thursday morning, ending a session that began at six the previous evening.

The plan raises spending on road repairs by twelve percent and sets aside money for a second ambulance station in the eastern districts.

Opposition councillors argued that the increase in parking fees would hurt shop owners in the old town, and voted against the final text.

\"This is a budget for people who drive to work and for people who walk to work,\" said Mayor Ines Kalda after the vote.

More in Politics",
    },
    Article {
        id: "budget-explainer",
        text: "What the new budget means for drivers and shopkeepers

The spending plan adopted by councillors this week puts most of its new money into the streets. Road maintenance gets a rise of twelve percent, the largest in a decade.

Traders in the historic centre are less pleased. Dearer parking, they say, will push customers towards the retail park on the ring road.

Mayor Ines Kalda defended the fees, saying they would help pay for an ambulance base serving the neighbourhoods east of the river.

More in Politics",
    },
    Article {
        id: "rail-strike-gazette",
        text: "Rail strike to hit commuters next week

Commuters in Port Allard face two days without trains next week, and employers in the town centre are being asked to let staff work from home.

Train drivers on the coastal line will stop work for forty-eight hours from Monday after talks with the regional rail operator broke down on Friday, the drivers' union said.

The union is asking for a pay rise in line with inflation and for limits on the number of night shifts a driver can be given in a month. The operator has offered three percent over two years.

About 40,000 passengers use the coastal line on a typical weekday. The operator said replacement buses would run between the main stations but warned of long delays.

Sign up for our morning newsletter to get the day's top stories in your inbox.",
    },
    Article {
        id: "rail-strike-courier",
        text: "Coastal line drivers announce 48-hour walkout

Students heading to the university campus at Vessel Bay will have to find another way to their lectures on Monday and Tuesday.

Train drivers on the coastal line will stop work for forty-eight hours from Monday after talks with the regional rail operator broke down on Friday, the drivers' union said.

The union is asking for a pay rise in line with inflation and for limits on the number of night shifts a driver can be given in a month. The operator has offered three percent over two years.

About 40,000 passengers use the coastal line on a typical weekday. The operator said replacement buses would run between the main stations but warned of long delays.

The university said that lectures on both days would be recorded for students who cannot reach the campus.",
    },
    Article {
        id: "rail-strike-tribune",
        text: "Drivers' union calls two-day stoppage

Hotels along the coast fear cancellations after the drivers' union named the dates of its first strike in eleven years.

Train drivers on the coastal line will stop work for forty-eight hours from Monday after talks with the regional rail operator broke down on Friday, the drivers' union said.

About 40,000 passengers use the coastal line on a typical weekday. The operator said replacement buses would run between the main stations but warned of long delays.

Sign up for our morning newsletter to get the day's top stories in your inbox.",
    },
    Article {
        id: "rail-strike-explainer",
        text: "Why the coastal line's drivers are walking out

The dispute began in the spring, when the rail operator proposed new rosters that would put more drivers on overnight freight runs.

Drivers say rising rents have outpaced their wages for three years running. The operator counters that its own costs have climbed faster than ticket income.

A stoppage of two days would be the first on the coastal line since the network was split into regional companies.",
    },
];

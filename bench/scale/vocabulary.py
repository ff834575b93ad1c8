"""The words and weights `bench/scale/` writes a large company from."""

from stories.models import Audience


def _items(text: str) -> list[str]:
    """A vocabulary list written as one string, items separated by "|"."""
    return [item.strip() for item in text.split("|")]


FIRST_NAMES = _items(
    "Ada|Ben|Chloe|Dev|Elena|Farid|Grace|Hugo|Isla|Jonas|Kemi|Liam|Mara|Nico|Olga|Pablo|Quinn|"
    "Rosa|Sami|Tara|Umar|Vera|Wes|Xin|Yara|Zane|Alma|Bruno|Cleo|Dara|Emil|Fern|Gus|Hana|Ivo|"
    "Jade|Kai|Lola|Milo|Nora|Otto|Pia|Raul|Siri|Theo|Una|Vik"
)
LAST_NAMES = _items(
    "Abbott|Baker|Chen|Dias|Ellis|Ferreira|Garcia|Hughes|Ito|Jensen|Khan|Lopez|Moreau|Nagy|"
    "Okafor|Patel|Quinlan|Reyes|Schmidt|Tanaka|Umeh|Varga|Walsh|Xu|Young|Zimmer|Ahmed|Brooks|"
    "Costa|Doyle|Evans|Fischer|Grant|Hale|Iqbal|Jones|Kowalski|Lindqvist|Murphy|Novak"
)
ROLES = _items(
    "operations director|finance director|facilities manager|managing director|plant manager|"
    "sustainability lead|owner|buyer|site manager|energy manager|procurement lead|"
    "chief financial officer"
)
THINGS = _items(
    "roof survey|meter data|proposal|battery sizing|grid connection|site layout|quote|"
    "install plan|monitoring set-up|financing options|maintenance contract|second site|"
    "switchgear upgrade|planning application|board paper"
)
# A conversation's summary.
OPENINGS = _items(
    "Call with their {role} about the {thing}.|"
    "Site walk with the {role} to look at the {thing}.|"
    "Follow-up on the {thing} after they read our proposal.|"
    "Met the {role} and the finance team to go through the {thing}.|"
    "Quick check-in with the {role} on the {thing}.|"
    "Visited with our engineer to review the {thing}.|"
    "Video call with the {role}: questions on the {thing}.|"
    "Email thread with the {role} about the {thing}.|"
    "Workshop with their board on the {thing}.|"
    "Phone call to agree next steps on the {thing}."
)
# Filler sentences of conversation notes: subject, verb, "the" thing, tail.
SUBJECTS = _items(
    "The {role}|Their team|The board|Finance|Their landlord|Procurement|Their engineer|"
    "The owner|Their consultant|Operations"
)
VERBS = _items(
    "wants to review|asked about|is worried about|needs more detail on|will sign off|"
    "is comparing quotes for|has budgeted for|liked|wants to see|questioned|is waiting on|raised"
)
TAILS = [""] * 2 + [
    " " + tail
    for tail in _items(
        "before the next board meeting|by the end of the month|after the summer peak|"
        "once the lease is renewed|this quarter|next week|before they commit|with their bank"
    )
]
# A pillar's key phrase {p} (capitalised: {P}) in a conversation and in a story.
TOLD = _items(
    "We went through {p} in detail.|I explained {p} with the example of a similar site.|"
    "They liked hearing about {p}.|{P} came up when we looked at the numbers.|"
    "Their finance lead asked about {p}.|I showed them how {p} works for a business like theirs.|"
    "We spent most of the time on {p}.|They want {p} written into the proposal."
)
STORY_TOLD = _items(
    "Our clients see {p} from the first year.|{P} is what this story is about.|"
    "Ask any of our clients about {p}.|It starts with {p}.|We put {p} in writing.|"
    "That is {p} in practice."
)
# A guardrail phrase {g} slipping in.
SLIPS = _items(
    "They pushed for {g} and I said I would see what I can do.|"
    "I mentioned {g} before I could stop myself.|The buyer kept coming back to {g}.|"
    "Their other supplier talked about {g}, so I did too.|I told them this was {g}."
)
GOALS = _items(
    "Cut energy bills before the next price rise.|Show customers a lower footprint.|"
    "Keep the line running through the summer peak.|"
    "Get the board a clear business case this year.|Stop depending on one supplier.|"
    "Meet the group's reporting targets.|"
    "Expand to a second site without a bigger grid connection."
)
RISKS = _items(
    "Disruption during install: answered with our shift-planned installs.|"
    "Output lower than promised: answered with the output guarantee.|"
    "Upfront spend: answered with financing and the payback period.|"
    "Roof condition: answered with a structural survey before anything is signed.|"
    "Landlord consent: answered with our template agreement."
)
OUTCOMES = _items(
    "Proposal requested|Site survey booked|Thinking it over|Signed|Lost to a competitor|"
    "On hold until next budget|Second meeting booked|Revised quote requested"
)
NEXT_STEPS = _items(
    "Send the revised proposal|Book the roof survey|Share a reference client|"
    "Send the financing options|Call the finance director|Bring the engineer to site"
)
SECTORS = _items(
    "bakeries|breweries|cold stores|dairies|garden centres|distilleries|warehouses|"
    "family retailers|hotels|schools|farms|print works|laundries|car dealers|sports clubs"
)
TOPICS = _items(
    "the switch to solar|battery storage|the first year|a quiet install|the monthly numbers|"
    "a second site|the roof nobody used|winter output|the board's questions"
)
TITLES = _items(
    "Solar for {sector}|What {sector} should know about {topic}|"
    "{n} questions {sector} ask about {topic}|Behind {topic}|How {sector} handle {topic}|"
    "{Topic}, told by the people who did it|A year of {topic} for {sector}"
)
SUMMARIES = _items(
    "How {sector} made {topic} work for them.|A short story about {topic}, for {sector}.|"
    "What {topic} looked like for {sector}, in numbers.|"
    "The questions {sector} ask first, answered."
)
STORY_FILLER = _items(
    "A client in the {sector_one} trade wanted a plan the board could follow.|"
    "The roof had been empty for twenty years.|"
    "The first quote came in under the budget the owner had set.|"
    "Their engineer walked the site with ours on a wet Tuesday.|"
    "The numbers went to the board in one page.|"
    "It took six weeks from the first call to the first kilowatt.|"
    "Nobody on the shop floor noticed the install.|{Topic} is easier than it sounds."
)
OFFERS = _items(
    "A monitoring portal and a yearly service visit included for the life of the system.|"
    "Installation, training and the first five years of support in one price.|"
    "A structural survey before anything is signed, at no charge.|"
    "An extended warranty on every battery installed this season."
)
REVIEWER_COMMENTS = _items("Tighten the opening.|Say more about the client.|Check the figures.")
AUDIENCE_NAMES = [
    (Audience.Kind.TARGET_MARKET, "{Sector} with big daytime loads"),
    (Audience.Kind.CONSUMER_CLUSTER, "Owners of {sector} who plan in decades"),
    (Audience.Kind.ONLINE_GROUP, "Forum for {sector}"),
]
# Client names: place, trade and form; the trade gives the industry.
PLACES = _items(
    "Ashby|Barrow|Calder|Dunmore|Eastleigh|Fairholme|Glenrock|Harbour|Ingleby|Juniper|Kestrel|"
    "Larkspur|Meadow|Northgate|Oakridge|Penhallow|Quarry|Redwater|Southmoor|Thornbury|Upton|"
    "Vale|Westbrook|Yarrow|Alder|Birch|Cedar|Elmstead|Foxley|Greystone|Hawthorn|Ivybridge|"
    "Kingsmere|Linden|Marsh|Netherby|Orchard|Pinewood|Ravensworth|Stonebridge|Tidewater|"
    "Underhill|Wychwood|Ambleside|Brackley|Coldharbour|Drayton|Elstow|Ferndale|Gorsey|"
    "Holloway|Kirkby|Longmead|Millbrook|Newbold|Ormsby|Portland|Riverside|Saltash|Trentham"
)
TRADES = [
    tuple(pair.split(":"))
    for pair in _items(
        "Bakery:Food production|Cold Store:Logistics|Dairy:Food production|Brewing:Drinks|"
        "Distillery:Drinks|Freight:Logistics|Garden Centre:Retail|Motors:Retail|"
        "Hotel:Hospitality|Print Works:Manufacturing|Laundry:Services|Engineering:Manufacturing|"
        "Farms:Agriculture|Foods:Food production|Packaging:Manufacturing|Timber:Manufacturing|"
        "Storage:Logistics|Leisure Centre:Leisure|Academy:Education|Plastics:Manufacturing"
    )
]
QUALIFIERS = ["", "", ""] + [
    f" {word}" for word in _items("Valley|Bridge|Park|Mill|Green|Cross|Hill|Bay|Works")
]
FORMS = ["", " Ltd", " & Sons", " Group", " Co-op", " Partners", " Holdings"]
SALES_REGIONS = _items("North|South|East|West|Central|Coast|Midlands|Capital|Valleys|Borders")
MARKETING_CRAFTS = _items("Brand|Digital|Events|Content|Partners|Product")
CHANNEL_WEIGHTS = {"call": 35, "meeting": 20, "email": 25, "visit": 10, "chat": 7, "social": 3}
STORY_CHANNEL_WEIGHTS = {"web": 30, "email": 25, "social": 20, "event": 8, "press": 7, "video": 7}
STORY_CHANNEL_WEIGHTS["other"] = 3
SIZE_WEIGHTS = {"small": 40, "medium": 35, "large": 18, "enterprise": 7}
STATUS_SHARES = {"published": 0.70, "archived": 0.12, "draft": 0.12, "in_review": 0.06}

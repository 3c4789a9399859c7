"""The tool catalog of the synthetic generator: tools with realistic JSON Schemas, phrasings,
argument samplers, fake results and answer templates. Pure Python, deterministic given an RNG.

Phrasings are ``str.format`` templates over *slots*: every argument ``p`` gives slot ``{p}`` (lists
joined in words), every optional argument also gives ``{p_opt}`` (its ``opt_text`` fragment when the
argument is present, else ""). A tool may add slots of its own with ``slots``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Args = dict[str, Any]


# ---- schema helpers -------------------------------------------------------------------------
def S(desc: str, **kw: Any) -> dict[str, Any]:
    return {"type": "string", "description": desc, **kw}


def I(desc: str, **kw: Any) -> dict[str, Any]:  # noqa: E743
    return {"type": "integer", "description": desc, **kw}


def N(desc: str, **kw: Any) -> dict[str, Any]:
    return {"type": "number", "description": desc, **kw}


def B(desc: str) -> dict[str, Any]:
    return {"type": "boolean", "description": desc}


def E(values: list[str], desc: str) -> dict[str, Any]:
    return {"type": "string", "enum": values, "description": desc}


def A(items: dict[str, Any], desc: str, **kw: Any) -> dict[str, Any]:
    return {"type": "array", "items": items, "description": desc, **kw}


def O(props: dict[str, Any], required: list[str], desc: str) -> dict[str, Any]:  # noqa: E743
    return {"type": "object", "properties": props, "required": required, "description": desc}


# ---- value pools ----------------------------------------------------------------------------
CITIES = ["Paris", "Tokyo", "Berlin", "Lisbon", "Toronto", "Nairobi", "Seoul", "Madrid", "Oslo",
          "Chicago", "Lima", "Cairo", "Denver", "Dublin", "Mumbai", "Austin", "Prague", "Sydney"]
AIRPORTS = ["JFK", "LHR", "CDG", "HND", "FRA", "SFO", "ORD", "MAD", "AMS", "YYZ", "SYD", "DXB"]
PEOPLE = ["Ana", "Ben", "Chloe", "Dev", "Emma", "Farid", "Grace", "Hugo", "Iris", "Jonas", "Kira", "Leo"]
SURNAMES = ["Silva", "Novak", "Chen", "Patel", "Okafor", "Muller", "Rossi", "Kim", "Haddad", "Lund"]
DOMAINS = ["example.com", "acme.io", "mail.org"]
CURRENCIES = ["USD", "EUR", "GBP", "JPY", "CAD", "CHF", "INR", "AUD"]
STOCKS = ["AAPL", "MSFT", "NVDA", "TSLA", "AMZN", "GOOGL", "SAP", "ASML"]
COINS = ["bitcoin", "ethereum", "solana", "cardano", "dogecoin"]
CUISINES = ["thai", "italian", "mexican", "japanese", "indian", "vegan", "greek", "korean"]
INGREDIENTS = ["chicken", "rice", "spinach", "tomatoes", "eggs", "tofu", "mushrooms", "lentils",
               "garlic", "potatoes", "salmon", "chickpeas"]
PRODUCTS = ["usb-c cable", "desk lamp", "notebook", "coffee beans", "phone case", "water bottle",
            "hdmi adapter", "yoga mat", "headphones", "printer paper"]
TEAMS = ["Lakers", "Arsenal", "Yankees", "Real Madrid", "Celtics", "Bayern", "Dodgers", "Chelsea"]
TOPICS = ["climate", "elections", "AI research", "space launches", "inflation", "electric cars",
          "public health", "football transfers"]
LANGS = ["French", "German", "Spanish", "Japanese", "Italian", "Portuguese", "Korean"]
PHRASES = ["Where is the train station?", "Thank you for your help", "The meeting is at noon",
           "I would like a coffee", "How much does this cost?", "See you tomorrow",
           "Please close the window", "My flight is delayed"]
SONGS = ["lo-fi beats", "Bohemian Rhapsody", "jazz for studying", "Taylor Swift", "classical piano",
         "90s hip hop", "Daft Punk", "rainy day acoustic"]
ROOMS = ["living room", "bedroom", "kitchen", "office", "hallway", "bathroom"]
SERVICES = ["auth-api", "billing-worker", "search-index", "payments", "web-frontend", "queue-consumer"]
TABLES = ["orders", "customers", "invoices", "events", "users", "shipments"]
MOVIES = ["Dune Part Two", "Inside Out 2", "The Wild Robot", "Oppenheimer", "Wicked", "Gladiator II"]
WORDS = ["ephemeral", "serendipity", "ubiquitous", "laconic", "quixotic", "pragmatic", "ineffable"]
TASKS = ["call the dentist", "water the plants", "pay rent", "submit the report", "buy milk",
         "renew my passport", "take out the trash", "book the vet"]
EVENTS = ["Team sync", "Dentist", "Project kickoff", "Lunch with Sam", "Budget review", "1:1 with Maya"]
BUGS = ["Login page times out", "Export to CSV fails", "Dark mode colors wrong", "Search returns duplicates",
        "Push notifications missing", "Checkout button unresponsive"]
FILE_QUERIES = ["quarterly report", "invoice march", "design mockups", "onboarding checklist",
                "vacation photos", "tax return"]
CONDITIONS = ["sunny", "cloudy", "light rain", "windy", "clear", "overcast", "snowing"]


def _date(r: random.Random) -> str:
    return f"2025-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"


def _time(r: random.Random) -> str:
    return f"{r.randint(7, 20):02d}:{r.choice(['00', '15', '30', '45'])}"


def _email(r: random.Random) -> str:
    return f"{r.choice(PEOPLE).lower()}.{r.choice(SURNAMES).lower()}@{r.choice(DOMAINS)}"


def words(values: list[Any]) -> str:
    """["a", "b", "c"] -> "a, b and c"."""
    items = [str(v) for v in values]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def maybe(r: random.Random, p: float, key: str, value: Any, out: Args) -> None:
    if r.random() < p:
        out[key] = value


_FILLER = {"name", "of", "number", "the", "a", "to"}


# Parameter descriptions are kept only when they tell something the name and type do not.
_INFORMATIVE = ("yyyy", "hh:mm", "iana", "iso", "percent", "kg", "cm", "usd", "celsius", "0-100", "e.g.",
                "email", "code", "in minutes", "skip", "only")


def _terse(key: str, prop: dict[str, Any]) -> dict[str, Any]:
    out = dict(prop)
    desc = str(out.get("description", "")).lower().replace(",", "")
    if set(desc.split()) <= set(key.lower().split("_")) | _FILLER or not any(w in desc for w in _INFORMATIVE):
        out.pop("description", None)
    if isinstance(out.get("properties"), dict):
        out["properties"] = {k: _terse(k, v) for k, v in out["properties"].items()}
    if isinstance(out.get("items"), dict) and isinstance(out["items"].get("properties"), dict):
        out["items"] = {**out["items"], "properties": {k: _terse(k, v) for k, v in out["items"]["properties"].items()}}
    return out


@dataclass
class Tool:
    name: str
    domain: str
    description: str
    properties: dict[str, Any]
    required: list[str]
    phrasings: list[str]
    sample: Callable[[random.Random], Args]
    result: Callable[[Args, random.Random], Args]
    answer: str
    opt_text: dict[str, str] = field(default_factory=dict)
    slots: Callable[[Args], dict[str, str]] | None = None

    def schema(self) -> dict[str, Any]:
        """The canonical ``{type, function}`` tool definition (terse: descriptions that only repeat
        the parameter name are left out, to keep records short for small models)."""
        props = {k: _terse(k, v) for k, v in self.properties.items()}
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": {"type": "object", "properties": props, "required": list(self.required)},
            },
        }

    def slot_values(self, args: Args) -> dict[str, str]:
        out: dict[str, str] = {}
        for k, v in args.items():
            out[k] = words(v) if isinstance(v, list) and all(not isinstance(x, dict) for x in v) else str(v)
        for k in self.properties:
            if k not in self.required:
                frag = self.opt_text.get(k, "")
                out[f"{k}_opt"] = frag.format(**out) if k in args and frag else ""
        if self.slots:
            out.update(self.slots(args))
        return out

    def prompt(self, args: Args, phrasing: str) -> str:
        return phrasing.format(**self.slot_values(args)).replace("  ", " ").replace(" ?", "?").replace(" .", ".")

    def final_answer(self, args: Args, result: Args) -> str:
        vals = self.slot_values(args)
        vals.update({k: (words(v) if isinstance(v, list) else str(v)) for k, v in result.items()})
        return self.answer.format(**vals)


def _items_slot(a: Args) -> dict[str, str]:
    return {"items_text": words([f"{i['quantity']} {i['name']}" for i in a["items"]])}


def _passengers_slot(a: Args) -> dict[str, str]:
    p = a.get("passengers")
    if not p:
        return {"pax": ""}
    txt = f" for {p['adults']} adult{'s' if p['adults'] > 1 else ''}"
    if p.get("children"):
        txt += f" and {p['children']} child{'ren' if p['children'] > 1 else ''}"
    return {"pax": txt}


def _filters_slot(a: Args) -> dict[str, str]:
    f = a.get("filters")
    return {"filt": f" where {f['column']} is {f['value']}" if f else ""}


def _build() -> list[Tool]:
    T = Tool
    tools: list[Tool] = []
    add = tools.append

    def weather_sample(r: random.Random) -> Args:
        a: Args = {"city": r.choice(CITIES)}
        maybe(r, 0.4, "unit", r.choice(["celsius", "fahrenheit"]), a)
        return a

    add(T("get_weather", "weather", "Current weather for a city.",
          {"city": S("City name"), "unit": E(["celsius", "fahrenheit"], "Temperature unit")}, ["city"],
          ["What's the weather in {city}{unit_opt}?", "Is it raining in {city} right now{unit_opt}?",
           "How warm is it in {city} today{unit_opt}?", "Check the current conditions in {city}{unit_opt}."],
          weather_sample,
          lambda a, r: {"temperature": r.randint(-5, 34), "condition": r.choice(CONDITIONS)},
          "It's {temperature} degrees and {condition} in {city}.",
          {"unit": " in {unit}"}))

    def forecast_sample(r: random.Random) -> Args:
        a: Args = {"city": r.choice(CITIES), "days": r.randint(2, 7)}
        maybe(r, 0.3, "unit", r.choice(["celsius", "fahrenheit"]), a)
        return a

    add(T("get_forecast", "weather", "Daily weather forecast.",
          {"city": S("City name"), "days": I("Number of days", minimum=1, maximum=7),
           "unit": E(["celsius", "fahrenheit"], "Temperature unit")}, ["city", "days"],
          ["Give me the {days}-day forecast for {city}{unit_opt}.", "What will the weather be in {city} over the next {days} days{unit_opt}?",
           "Forecast for {city}, {days} days{unit_opt}, please.", "I'm visiting {city}: what's the outlook for the coming {days} days{unit_opt}?"],
          forecast_sample,
          lambda a, r: {"high": r.randint(5, 30), "low": r.randint(-5, 4), "summary": r.choice(CONDITIONS)},
          "Over the next {days} days {city} will be mostly {summary}, highs around {high} and lows near {low}.",
          {"unit": " in {unit}"}))

    def aq_sample(r: random.Random) -> Args:
        a: Args = {"city": r.choice(CITIES)}
        maybe(r, 0.4, "pollutant", r.choice(["pm25", "pm10", "ozone", "no2"]), a)
        return a

    add(T("get_air_quality", "weather", "Air quality index for a city.",
          {"city": S("City name"), "pollutant": E(["pm25", "pm10", "ozone", "no2"], "Pollutant to report")}, ["city"],
          ["How is the air quality in {city}{pollutant_opt}?", "Is the air in {city} safe to run in today{pollutant_opt}?",
           "Check the AQI for {city}{pollutant_opt}.", "What's the pollution level in {city}{pollutant_opt}?"],
          aq_sample,
          lambda a, r: {"aqi": r.randint(10, 180)},
          "The air quality index in {city} is {aqi}.",
          {"pollutant": " (looking at {pollutant})"}))

    def flight_sample(r: random.Random) -> Args:
        o, d = r.sample(AIRPORTS, 2)
        a: Args = {"origin": o, "destination": d, "date": _date(r)}
        if r.random() < 0.4:
            pax: Args = {"adults": r.randint(1, 3)}
            maybe(r, 0.5, "children", r.randint(1, 2), pax)
            a["passengers"] = pax
        maybe(r, 0.3, "cabin", r.choice(["economy", "premium", "business"]), a)
        return a

    add(T("search_flights", "travel", "Search flights between airports.",
          {"origin": S("IATA code"), "destination": S("IATA code"), "date": S("YYYY-MM-DD"),
           "passengers": O({"adults": I("Adults", minimum=1), "children": I("Children", minimum=0)}, ["adults"], "Travellers"),
           "cabin": E(["economy", "premium", "business"], "Cabin class")},
          ["origin", "destination", "date"],
          ["Find flights from {origin} to {destination} on {date}{pax}{cabin_opt}.",
           "Any {origin} to {destination} flights on {date}{pax}{cabin_opt}?",
           "I need to fly {origin}-{destination} on {date}{pax}{cabin_opt}.",
           "Search {date} flights, {origin} to {destination}{pax}{cabin_opt}."],
          flight_sample,
          lambda a, r: {"cheapest": r.randint(89, 900), "count": r.randint(2, 14)},
          "I found {count} flights from {origin} to {destination} on {date}; the cheapest is {cheapest} USD.",
          {"cabin": " in {cabin}"}, _passengers_slot))

    def hotel_sample(r: random.Random) -> Args:
        a: Args = {"city": r.choice(CITIES), "check_in": _date(r), "nights": r.randint(1, 6)}
        maybe(r, 0.4, "guests", r.randint(1, 4), a)
        maybe(r, 0.3, "max_price", r.choice([80, 120, 150.5, 200, 99.99]), a)
        return a

    add(T("book_hotel", "travel", "Book a hotel room.",
          {"city": S("City"), "check_in": S("YYYY-MM-DD"), "nights": I("Nights", minimum=1),
           "guests": I("Guests", minimum=1), "max_price": N("Max price per night in USD")},
          ["city", "check_in", "nights"],
          ["Book a hotel in {city} from {check_in} for {nights} nights{guests_opt}{max_price_opt}.",
           "I need a room in {city}, {nights} nights starting {check_in}{guests_opt}{max_price_opt}.",
           "Reserve {nights} nights in {city} checking in {check_in}{guests_opt}{max_price_opt}.",
           "Get me a hotel in {city} on {check_in} for {nights} nights{guests_opt}{max_price_opt}."],
          hotel_sample,
          lambda a, r: {"hotel": r.choice(["Hotel Lumen", "Park Inn", "Casa Azul", "The Harbor"]), "confirmation": f"HT{r.randint(10000, 99999)}"},
          "Booked {hotel} in {city} for {nights} nights from {check_in}. Confirmation {confirmation}.",
          {"guests": " for {guests} guests", "max_price": " under {max_price} USD a night"}))

    def car_sample(r: random.Random) -> Args:
        a: Args = {"city": r.choice(CITIES), "pickup_date": _date(r), "days": r.randint(1, 10)}
        maybe(r, 0.5, "car_class", r.choice(["compact", "suv", "van", "luxury"]), a)
        return a

    add(T("rent_car", "travel", "Reserve a rental car.",
          {"city": S("Pickup city"), "pickup_date": S("YYYY-MM-DD"), "days": I("Rental days", minimum=1),
           "car_class": E(["compact", "suv", "van", "luxury"], "Car class")}, ["city", "pickup_date", "days"],
          ["Rent a{car_class_opt} car in {city} from {pickup_date} for {days} days.",
           "I need a{car_class_opt} rental car in {city}, pickup {pickup_date}, {days} days.",
           "Reserve a{car_class_opt} car for {days} days in {city} starting {pickup_date}.",
           "Can you get me a{car_class_opt} car in {city} on {pickup_date} for {days} days?"],
          car_sample,
          lambda a, r: {"total": r.randint(60, 900), "reservation": f"RC{r.randint(1000, 9999)}"},
          "Your car in {city} is reserved ({reservation}), {days} days for {total} USD in total.",
          {"car_class": " {car_class}"}, lambda a: {"car_class_opt": (" " + a["car_class"]) if "car_class" in a else ""}))

    def fx_sample(r: random.Random) -> Args:
        f, t = r.sample(CURRENCIES, 2)
        return {"amount": r.choice([50, 120, 1000, 75.5, 250, 19.99, 3000]), "from_currency": f, "to_currency": t}

    add(T("convert_currency", "finance", "Convert money between currencies.",
          {"amount": N("Amount"), "from_currency": S("ISO code", pattern="^[A-Z]{3}$"), "to_currency": S("ISO code", pattern="^[A-Z]{3}$")},
          ["amount", "from_currency", "to_currency"],
          ["Convert {amount} {from_currency} to {to_currency}.", "How much is {amount} {from_currency} in {to_currency}?",
           "What do I get for {amount} {from_currency} in {to_currency}?", "{amount} {from_currency} to {to_currency}, please."],
          fx_sample,
          lambda a, r: {"converted": round(float(a["amount"]) * r.uniform(0.5, 1.6), 2)},
          "{amount} {from_currency} is about {converted} {to_currency}."))

    def stock_sample(r: random.Random) -> Args:
        a: Args = {"symbol": r.choice(STOCKS)}
        maybe(r, 0.3, "exchange", r.choice(["NASDAQ", "NYSE", "XETRA"]), a)
        return a

    add(T("get_stock_price", "finance", "Latest price of a stock.",
          {"symbol": S("Ticker symbol"), "exchange": E(["NASDAQ", "NYSE", "XETRA"], "Exchange")}, ["symbol"],
          ["What's {symbol} trading at{exchange_opt}?", "Get me the current price of {symbol}{exchange_opt}.",
           "How is {symbol} stock doing today{exchange_opt}?", "Quote for {symbol}{exchange_opt}?"],
          stock_sample,
          lambda a, r: {"price": round(r.uniform(20, 900), 2), "change": round(r.uniform(-4, 4), 2)},
          "{symbol} is at {price} ({change}% today).",
          {"exchange": " on {exchange}"}))

    def crypto_sample(r: random.Random) -> Args:
        a: Args = {"coin": r.choice(COINS)}
        maybe(r, 0.4, "currency", r.choice(["USD", "EUR", "GBP"]), a)
        return a

    add(T("get_crypto_price", "finance", "Current price of a cryptocurrency.",
          {"coin": S("Coin id, e.g. bitcoin"), "currency": S("Quote currency")}, ["coin"],
          ["What's the price of {coin}{currency_opt}?", "How much is one {coin} worth{currency_opt}?",
           "Check {coin}{currency_opt} for me.", "Current {coin} price{currency_opt}?"],
          crypto_sample,
          lambda a, r: {"price": round(r.uniform(0.1, 70000), 2)},
          "One {coin} is worth {price} right now.",
          {"currency": " in {currency}"}))

    def loan_sample(r: random.Random) -> Args:
        return {"principal": r.choice([150000, 250000, 32000, 18000, 400000]),
                "annual_rate": r.choice([3.5, 4.2, 5.0, 6.75, 7.1]), "years": r.choice([5, 10, 15, 20, 30])}

    add(T("calculate_loan_payment", "finance", "Monthly payment of a fixed-rate loan.",
          {"principal": N("Loan amount"), "annual_rate": N("Annual interest rate in percent"), "years": I("Term in years", minimum=1)},
          ["principal", "annual_rate", "years"],
          ["What's the monthly payment on {principal} at {annual_rate}% for {years} years?",
           "Calculate the payment for a {principal} loan, {annual_rate}% interest, {years}-year term.",
           "If I borrow {principal} over {years} years at {annual_rate}%, what do I pay monthly?",
           "Loan of {principal}, rate {annual_rate}%, {years} years: monthly cost?"],
          loan_sample,
          lambda a, r: {"monthly": round(r.uniform(300, 3000), 2)},
          "The monthly payment would be about {monthly}."))

    def tip_sample(r: random.Random) -> Args:
        a: Args = {"bill_amount": r.choice([42.5, 88, 120.4, 64, 230]), "tip_percent": r.choice([10, 15, 18, 20])}
        maybe(r, 0.5, "split", r.randint(2, 6), a)
        return a

    add(T("calculate_tip", "finance", "Tip and total for a bill.",
          {"bill_amount": N("Bill total"), "tip_percent": N("Tip percent"), "split": I("People splitting", minimum=1)},
          ["bill_amount", "tip_percent"],
          ["What's a {tip_percent}% tip on {bill_amount}{split_opt}?", "Work out the tip: bill {bill_amount}, {tip_percent} percent{split_opt}.",
           "Our bill is {bill_amount}. Add {tip_percent}% tip{split_opt}.", "Tip {tip_percent}% on a {bill_amount} check{split_opt}?"],
          tip_sample,
          lambda a, r: {"tip": round(float(a["bill_amount"]) * float(a["tip_percent"]) / 100, 2)},
          "The tip is {tip}.",
          {"split": ", split {split} ways"}))

    def event_sample(r: random.Random) -> Args:
        a: Args = {"title": r.choice(EVENTS), "date": _date(r), "time": _time(r)}
        maybe(r, 0.4, "duration_minutes", r.choice([15, 30, 45, 60, 90]), a)
        if r.random() < 0.35:
            a["attendees"] = [_email(r) for _ in range(r.randint(1, 2))]
        return a

    add(T("create_calendar_event", "calendar", "Create a calendar event.",
          {"title": S("Event title"), "date": S("YYYY-MM-DD"), "time": S("HH:MM, 24h"),
           "duration_minutes": I("Length in minutes", minimum=5),
           "attendees": A({"type": "string"}, "Invitee emails")},
          ["title", "date", "time"],
          ["Add '{title}' to my calendar on {date} at {time}{duration_minutes_opt}{attendees_opt}.",
           "Schedule {title} for {date} at {time}{duration_minutes_opt}{attendees_opt}.",
           "Put {title} on {date}, {time}{duration_minutes_opt}{attendees_opt}.",
           "Create an event called {title} at {time} on {date}{duration_minutes_opt}{attendees_opt}."],
          event_sample,
          lambda a, r: {"event_id": f"ev_{r.randint(100, 999)}"},
          "Done: {title} is on your calendar for {date} at {time}.",
          {"duration_minutes": " for {duration_minutes} minutes", "attendees": ", inviting {attendees}"}))

    def email_sample(r: random.Random) -> Args:
        subj = r.choice(["Invoice", "Tomorrow's meeting", "Quick question", "Trip plans", "Draft report"])
        body = r.choice(["Running 10 minutes late.", "Please see the attached numbers.", "Can we move it to Friday?",
                         "Thanks for yesterday!", "Let me know what you think."])
        a: Args = {"to": _email(r), "subject": subj, "body": body}
        if r.random() < 0.3:
            a["cc"] = [_email(r)]
        return a

    add(T("send_email", "email", "Send an email.",
          {"to": S("Recipient email"), "subject": S("Subject"), "body": S("Body text"),
           "cc": A({"type": "string"}, "CC emails")},
          ["to", "subject", "body"],
          ["Email {to} with subject '{subject}': {body}{cc_opt}",
           "Send a mail to {to}, subject '{subject}', saying: {body}{cc_opt}",
           "Write to {to} ('{subject}'): {body}{cc_opt}",
           "Shoot {to} an email titled '{subject}' that says: {body}{cc_opt}"],
          email_sample,
          lambda a, r: {"status": "sent"},
          "Your email to {to} has been sent.",
          {"cc": " Cc {cc}."}))

    def reminder_sample(r: random.Random) -> Args:
        a: Args = {"text": r.choice(TASKS), "time": f"{_date(r)} {_time(r)}"}
        maybe(r, 0.35, "repeat", r.choice(["daily", "weekly", "monthly"]), a)
        return a

    add(T("set_reminder", "calendar", "Set a reminder.",
          {"text": S("What to remember"), "time": S("YYYY-MM-DD HH:MM"), "repeat": E(["none", "daily", "weekly", "monthly"], "Repeat")},
          ["text", "time"],
          ["Remind me to {text} at {time}{repeat_opt}.", "Set a reminder for {time}: {text}{repeat_opt}.",
           "Don't let me forget to {text} ({time}){repeat_opt}.", "Ping me at {time} to {text}{repeat_opt}."],
          reminder_sample,
          lambda a, r: {"reminder_id": f"rm_{r.randint(100, 999)}"},
          "Reminder set for {time}: {text}.",
          {"repeat": ", repeating {repeat}"}))

    def rest_sample(r: random.Random) -> Args:
        a: Args = {"city": r.choice(CITIES), "cuisine": r.choice(CUISINES)}
        maybe(r, 0.3, "price_level", r.choice(["cheap", "moderate", "expensive"]), a)
        maybe(r, 0.3, "open_now", True, a)
        return a

    add(T("search_restaurants", "food", "Find restaurants.",
          {"city": S("City"), "cuisine": S("Cuisine"), "price_level": E(["cheap", "moderate", "expensive"], "Price range"),
           "open_now": B("Only places open now")},
          ["city", "cuisine"],
          ["Find {price_level_opt}{cuisine} restaurants in {city}{open_now_opt}.", "Any good {price_level_opt}{cuisine} places in {city}{open_now_opt}?",
           "I want {price_level_opt}{cuisine} food in {city}{open_now_opt}.", "Where can I eat {price_level_opt}{cuisine} in {city}{open_now_opt}?"],
          rest_sample,
          lambda a, r: {"top": r.choice(["Bamboo House", "Trattoria Uno", "El Farol", "Sakura", "Spice Route"]), "rating": round(r.uniform(3.8, 4.9), 1)},
          "Try {top}, rated {rating}.",
          {"price_level": "{price_level} ", "open_now": " that are open now"}))

    def table_sample(r: random.Random) -> Args:
        return {"restaurant": r.choice(["Trattoria Uno", "Sakura", "El Farol", "Bamboo House"]), "date": _date(r),
                "time": _time(r), "party_size": r.randint(2, 8)}

    add(T("book_table", "food", "Reserve a restaurant table.",
          {"restaurant": S("Restaurant name"), "date": S("YYYY-MM-DD"), "time": S("HH:MM"),
           "party_size": I("Number of people", minimum=1, maximum=20)},
          ["restaurant", "date", "time", "party_size"],
          ["Book a table at {restaurant} for {party_size} on {date} at {time}.",
           "Reserve {restaurant}, {party_size} people, {date} {time}.",
           "Can you get us a table for {party_size} at {restaurant} on {date} at {time}?",
           "Table for {party_size} at {restaurant}, {date} at {time}, please."],
          table_sample,
          lambda a, r: {"confirmation": f"TB{r.randint(100, 999)}"},
          "Your table for {party_size} at {restaurant} on {date} at {time} is confirmed ({confirmation})."))

    def recipe_sample(r: random.Random) -> Args:
        a: Args = {"ingredients": r.sample(INGREDIENTS, r.randint(1, 3))}
        maybe(r, 0.4, "max_minutes", r.choice([15, 20, 30, 45]), a)
        maybe(r, 0.3, "diet", r.choice(["vegetarian", "vegan", "gluten-free"]), a)
        return a

    add(T("find_recipes", "food", "Find recipes by ingredients.",
          {"ingredients": A({"type": "string"}, "Ingredients to use", minItems=1), "max_minutes": I("Max cooking time"),
           "diet": E(["vegetarian", "vegan", "gluten-free"], "Diet")},
          ["ingredients"],
          ["What can I cook with {ingredients}{max_minutes_opt}{diet_opt}?", "Find {diet_opt2}recipes using {ingredients}{max_minutes_opt}.",
           "Recipe ideas with {ingredients}{max_minutes_opt}{diet_opt}?", "I have {ingredients}. Suggest a dish{max_minutes_opt}{diet_opt}."],
          recipe_sample,
          lambda a, r: {"recipe": r.choice(["stir-fry", "one-pot curry", "frittata", "grain bowl", "soup"])},
          "How about a {recipe} with {ingredients}?",
          {"max_minutes": " in under {max_minutes} minutes", "diet": ", {diet}"},
          lambda a: {"diet_opt2": (a["diet"] + " ") if "diet" in a else ""}))

    def order_sample(r: random.Random) -> Args:
        names = r.sample(PRODUCTS, r.randint(1, 2))
        a: Args = {"items": [{"name": n, "quantity": r.randint(1, 4)} for n in names]}
        maybe(r, 0.4, "shipping", r.choice(["standard", "express"]), a)
        return a

    add(T("place_order", "shopping", "Order products.",
          {"items": A(O({"name": S("Product"), "quantity": I("Quantity", minimum=1)}, ["name", "quantity"], "Line item"), "Items", minItems=1),
           "shipping": E(["standard", "express"], "Shipping speed")},
          ["items"],
          ["Order {items_text}{shipping_opt}.", "Please buy {items_text}{shipping_opt}.",
           "Place an order for {items_text}{shipping_opt}.", "I'd like to get {items_text}{shipping_opt}."],
          order_sample,
          lambda a, r: {"order_id": f"ORD-{r.randint(1000, 9999)}", "total": round(r.uniform(9, 160), 2)},
          "Order {order_id} placed, total {total} USD.",
          {"shipping": " with {shipping} shipping"}, _items_slot))

    def track_sample(r: random.Random) -> Args:
        a: Args = {"tracking_number": f"{r.choice(['1Z', 'TB', 'JD'])}{r.randint(10**8, 10**9 - 1)}"}
        maybe(r, 0.4, "carrier", r.choice(["ups", "fedex", "dhl", "usps"]), a)
        return a

    add(T("track_package", "shopping", "Track a shipment.",
          {"tracking_number": S("Tracking number"), "carrier": E(["ups", "fedex", "dhl", "usps"], "Carrier")}, ["tracking_number"],
          ["Where is my package {tracking_number}{carrier_opt}?", "Track {tracking_number}{carrier_opt}.",
           "Any update on shipment {tracking_number}{carrier_opt}?", "Status of parcel {tracking_number}{carrier_opt}?"],
          track_sample,
          lambda a, r: {"status": r.choice(["in transit", "out for delivery", "delivered"]), "eta": _date(r)},
          "Package {tracking_number} is {status}, expected {eta}.",
          {"carrier": " ({carrier})"}))

    def stock_check_sample(r: random.Random) -> Args:
        a: Args = {"product": r.choice(PRODUCTS)}
        maybe(r, 0.5, "zip_code", f"{r.randint(10000, 99999)}", a)
        return a

    add(T("check_stock", "shopping", "Check if a product is in stock.",
          {"product": S("Product name"), "zip_code": S("Store ZIP code", pattern="^[0-9]{5}$")}, ["product"],
          ["Is the {product} in stock{zip_code_opt}?", "Do you have any {product} available{zip_code_opt}?",
           "Check availability of {product}{zip_code_opt}.", "Can I still buy a {product}{zip_code_opt}?"],
          stock_check_sample,
          lambda a, r: {"available": r.randint(0, 40)},
          "There are {available} units of {product} available.",
          {"zip_code": " near {zip_code}"}))

    def dir_sample(r: random.Random) -> Args:
        o, d = r.sample(["the airport", "Central Station", "the museum", "City Hall", "the stadium", "my office", "the harbor"], 2)
        a: Args = {"origin": o, "destination": d}
        maybe(r, 0.5, "mode", r.choice(["driving", "walking", "transit", "cycling"]), a)
        return a

    add(T("get_directions", "maps", "Route between two places.",
          {"origin": S("Start"), "destination": S("End"), "mode": E(["driving", "walking", "transit", "cycling"], "Travel mode")},
          ["origin", "destination"],
          ["How do I get from {origin} to {destination}{mode_opt}?", "Directions from {origin} to {destination}{mode_opt}.",
           "Route me to {destination} from {origin}{mode_opt}.", "What's the way from {origin} to {destination}{mode_opt}?"],
          dir_sample,
          lambda a, r: {"minutes": r.randint(5, 70), "km": round(r.uniform(0.8, 30), 1)},
          "It's {km} km, about {minutes} minutes.",
          {"mode": " by {mode}"}))

    def translate_sample(r: random.Random) -> Args:
        a: Args = {"text": r.choice(PHRASES), "target_language": r.choice(LANGS)}
        maybe(r, 0.25, "source_language", "English", a)
        return a

    add(T("translate_text", "language", "Translate text.",
          {"text": S("Text"), "target_language": S("Target language"), "source_language": S("Source language")},
          ["text", "target_language"],
          ["Translate '{text}' into {target_language}{source_language_opt}.", "How do you say '{text}' in {target_language}{source_language_opt}?",
           "Put '{text}' in {target_language}{source_language_opt}.", "{target_language} for '{text}'{source_language_opt}?"],
          translate_sample,
          lambda a, r: {"translation": "[" + a["target_language"][:2].lower() + "] " + a["text"]},
          "In {target_language}: {translation}",
          {"source_language": " from {source_language}"}))

    def define_sample(r: random.Random) -> Args:
        a: Args = {"word": r.choice(WORDS)}
        maybe(r, 0.3, "include_examples", True, a)
        return a

    add(T("define_word", "language", "Dictionary definition of a word.",
          {"word": S("Word"), "include_examples": B("Add example sentences")}, ["word"],
          ["What does '{word}' mean{include_examples_opt}?", "Define {word}{include_examples_opt}.",
           "Look up the word {word}{include_examples_opt}.", "Meaning of {word}{include_examples_opt}?"],
          define_sample,
          lambda a, r: {"definition": "a word of Latin or Greek origin"},
          "'{word}': {definition}.",
          {"include_examples": " with examples"}))

    def music_sample(r: random.Random) -> Args:
        a: Args = {"query": r.choice(SONGS)}
        maybe(r, 0.3, "shuffle", True, a)
        maybe(r, 0.3, "volume", r.choice([20, 35, 50, 70]), a)
        return a

    add(T("play_music", "media", "Play music.",
          {"query": S("Song, artist or playlist"), "shuffle": B("Shuffle"), "volume": I("Volume 0-100", minimum=0, maximum=100)},
          ["query"],
          ["Play {query}{shuffle_opt}{volume_opt}.", "Put on some {query}{shuffle_opt}{volume_opt}.",
           "I want to hear {query}{shuffle_opt}{volume_opt}.", "Start {query}{shuffle_opt}{volume_opt}."],
          music_sample,
          lambda a, r: {"now_playing": a["query"]},
          "Now playing {now_playing}.",
          {"shuffle": " on shuffle", "volume": " at volume {volume}"}))

    def movie_sample(r: random.Random) -> Args:
        a: Args = {"movie": r.choice(MOVIES), "city": r.choice(CITIES)}
        maybe(r, 0.5, "date", _date(r), a)
        return a

    add(T("get_movie_showtimes", "media", "Cinema showtimes for a film.",
          {"movie": S("Film title"), "city": S("City"), "date": S("YYYY-MM-DD")}, ["movie", "city"],
          ["When is {movie} showing in {city}{date_opt}?", "Showtimes for {movie} in {city}{date_opt}.",
           "Where can I watch {movie} in {city}{date_opt}?", "Is {movie} playing in {city}{date_opt}?"],
          movie_sample,
          lambda a, r: {"times": [_time(r), _time(r)]},
          "{movie} plays in {city} at {times}.",
          {"date": " on {date}"}))

    def thermo_sample(r: random.Random) -> Args:
        a: Args = {"temperature": r.choice([19, 20, 21, 22.5, 23, 18.5])}
        maybe(r, 0.4, "room", r.choice(ROOMS), a)
        maybe(r, 0.3, "mode", r.choice(["heat", "cool", "auto"]), a)
        return a

    add(T("set_thermostat", "smart_home", "Set the thermostat.",
          {"temperature": N("Target in Celsius", minimum=10, maximum=30), "room": S("Room"), "mode": E(["heat", "cool", "auto"], "Mode")},
          ["temperature"],
          ["Set the thermostat to {temperature} degrees{room_opt}{mode_opt}.", "Make it {temperature}°C{room_opt}{mode_opt}.",
           "Change the temperature to {temperature}{room_opt}{mode_opt}.", "Heat or cool to {temperature} degrees{room_opt}{mode_opt}."],
          thermo_sample,
          lambda a, r: {"status": "ok"},
          "Thermostat set to {temperature} degrees.",
          {"room": " in the {room}", "mode": " on {mode} mode"}))

    def lights_sample(r: random.Random) -> Args:
        a: Args = {"room": r.choice(ROOMS), "state": r.choice(["on", "off"])}
        if a["state"] == "on":
            maybe(r, 0.4, "brightness", r.choice([20, 40, 60, 80, 100]), a)
        return a

    add(T("control_lights", "smart_home", "Switch lights on or off.",
          {"room": S("Room"), "state": E(["on", "off"], "On or off"), "brightness": I("Percent", minimum=0, maximum=100)},
          ["room", "state"],
          ["Turn {state} the lights in the {room}{brightness_opt}.", "Switch the {room} lights {state}{brightness_opt}.",
           "Lights {state} in the {room}{brightness_opt}, please.", "Can you turn the {room} lights {state}{brightness_opt}?"],
          lights_sample,
          lambda a, r: {"status": "ok"},
          "The {room} lights are {state}.",
          {"brightness": " at {brightness}%"}))

    def workout_sample(r: random.Random) -> Args:
        a: Args = {"activity": r.choice(["running", "cycling", "swimming", "yoga"]), "duration_minutes": r.choice([20, 30, 45, 60])}
        maybe(r, 0.4, "calories", r.choice([150, 230, 400, 520]), a)
        return a

    add(T("log_workout", "health", "Log a workout.",
          {"activity": E(["running", "cycling", "swimming", "yoga"], "Activity"), "duration_minutes": I("Minutes", minimum=1),
           "calories": I("Calories burned")},
          ["activity", "duration_minutes"],
          ["Log {duration_minutes} minutes of {activity}{calories_opt}.", "I did {activity} for {duration_minutes} minutes{calories_opt}. Record it.",
           "Add a {activity} workout, {duration_minutes} min{calories_opt}.", "Track {duration_minutes} min {activity}{calories_opt}."],
          workout_sample,
          lambda a, r: {"week_total_minutes": r.randint(60, 400)},
          "Logged. You've trained {week_total_minutes} minutes this week.",
          {"calories": ", {calories} calories"}))

    def bmi_sample(r: random.Random) -> Args:
        return {"weight_kg": r.choice([58, 64.5, 72, 80, 91.2]), "height_cm": r.choice([160, 168, 175, 182, 190])}

    add(T("calculate_bmi", "health", "Body mass index.",
          {"weight_kg": N("Weight in kg"), "height_cm": N("Height in cm")}, ["weight_kg", "height_cm"],
          ["What's my BMI at {weight_kg} kg and {height_cm} cm?", "Calculate BMI: {weight_kg} kg, {height_cm} cm.",
           "I weigh {weight_kg} kg and I'm {height_cm} cm tall. BMI?", "BMI for {height_cm} cm, {weight_kg} kg?"],
          bmi_sample,
          lambda a, r: {"bmi": round(float(a["weight_kg"]) / (float(a["height_cm"]) / 100) ** 2, 1)},
          "Your BMI is {bmi}."))

    def scores_sample(r: random.Random) -> Args:
        a: Args = {"team": r.choice(TEAMS)}
        maybe(r, 0.3, "last_n", r.randint(2, 5), a)
        return a

    add(T("get_sports_scores", "sports", "Recent results of a team.",
          {"team": S("Team name"), "last_n": I("Number of games", minimum=1, maximum=10)}, ["team"],
          ["How did the {team} do{last_n_opt}?", "Scores for {team}{last_n_opt}?",
           "Did {team} win{last_n_opt}?", "Give me the {team} results{last_n_opt}."],
          scores_sample,
          lambda a, r: {"record": f"{r.randint(0, 3)}-{r.randint(0, 3)}"},
          "{team} went {record} recently.",
          {"last_n": " in the last {last_n} games"}))

    def news_sample(r: random.Random) -> Args:
        a: Args = {"topic": r.choice(TOPICS)}
        maybe(r, 0.4, "limit", r.choice([3, 5, 10]), a)
        return a

    add(T("get_news", "news", "Latest headlines on a topic.",
          {"topic": S("Topic"), "limit": I("Max headlines", minimum=1, maximum=20)}, ["topic"],
          ["Any news on {topic}{limit_opt}?", "Show me the {limit_opt2}latest {topic} headlines.",
           "What's new in {topic}{limit_opt}?", "Catch me up on {topic}{limit_opt}."],
          news_sample,
          lambda a, r: {"headline": f"New report on {a['topic']} published"},
          "Top story: {headline}.",
          {"limit": " (top {limit})"}, lambda a: {"limit_opt2": f"{a['limit']} " if "limit" in a else ""}))

    def files_sample(r: random.Random) -> Args:
        a: Args = {"query": r.choice(FILE_QUERIES)}
        maybe(r, 0.4, "file_type", r.choice(["pdf", "docx", "xlsx", "image"]), a)
        maybe(r, 0.3, "modified_after", _date(r), a)
        return a

    add(T("search_files", "files", "Search my files.",
          {"query": S("Search text"), "file_type": E(["pdf", "docx", "xlsx", "image"], "File type"),
           "modified_after": S("YYYY-MM-DD")},
          ["query"],
          ["Find my {query}{file_type_opt}{modified_after_opt}.", "Search files for '{query}'{file_type_opt}{modified_after_opt}.",
           "Where did I save the {query}{file_type_opt}{modified_after_opt}?", "Look up {query} in my documents{file_type_opt}{modified_after_opt}."],
          files_sample,
          lambda a, r: {"path": f"/docs/{a['query'].replace(' ', '_')}.pdf"},
          "Found it: {path}.",
          {"file_type": " ({file_type})", "modified_after": " changed after {modified_after}"}))

    def ticket_sample(r: random.Random) -> Args:
        a: Args = {"title": r.choice(BUGS), "priority": r.choice(["low", "medium", "high", "urgent"])}
        maybe(r, 0.4, "assignee", r.choice(PEOPLE).lower(), a)
        if r.random() < 0.3:
            a["labels"] = r.sample(["bug", "frontend", "backend", "regression", "mobile"], 2)
        return a

    add(T("create_ticket", "devops", "Open an issue ticket.",
          {"title": S("Summary"), "priority": E(["low", "medium", "high", "urgent"], "Priority"),
           "assignee": S("Username"), "labels": A({"type": "string"}, "Labels")},
          ["title", "priority"],
          ["File a {priority} ticket: {title}{assignee_opt}{labels_opt}.", "Open a {priority}-priority issue '{title}'{assignee_opt}{labels_opt}.",
           "Create a ticket '{title}', priority {priority}{assignee_opt}{labels_opt}.", "Log a bug: {title} ({priority}){assignee_opt}{labels_opt}."],
          ticket_sample,
          lambda a, r: {"ticket": f"OPS-{r.randint(100, 999)}"},
          "Created {ticket}: {title}.",
          {"assignee": ", assigned to {assignee}", "labels": ", labels {labels}"}))

    def restart_sample(r: random.Random) -> Args:
        a: Args = {"service": r.choice(SERVICES), "environment": r.choice(["staging", "production"])}
        maybe(r, 0.25, "force", True, a)
        return a

    add(T("restart_service", "devops", "Restart a deployed service.",
          {"service": S("Service name"), "environment": E(["staging", "production"], "Environment"), "force": B("Skip graceful drain")},
          ["service", "environment"],
          ["Restart {service} in {environment}{force_opt}.", "Bounce the {service} service on {environment}{force_opt}.",
           "Please restart {service} ({environment}){force_opt}.", "{service} on {environment} is stuck, restart it{force_opt}."],
          restart_sample,
          lambda a, r: {"status": "restarted", "pods": r.randint(2, 8)},
          "{service} restarted in {environment} ({pods} pods).",
          {"force": ", forcefully"}))

    def query_sample(r: random.Random) -> Args:
        a: Args = {"table": r.choice(TABLES)}
        if r.random() < 0.4:
            a["filters"] = {"column": "status", "value": r.choice(["open", "paid", "failed", "active"])}
        maybe(r, 0.4, "limit", r.choice([5, 10, 50]), a)
        return a

    add(T("query_database", "data", "Read rows from a table.",
          {"table": S("Table"), "filters": O({"column": S("Column"), "value": S("Value")}, ["column", "value"], "Equality filter"),
           "limit": I("Max rows", minimum=1, maximum=500)},
          ["table"],
          ["Show rows from {table}{filt}{limit_opt}.", "Query the {table} table{filt}{limit_opt}.",
           "Pull {table} records{filt}{limit_opt}.", "Get data from {table}{filt}{limit_opt}."],
          query_sample,
          lambda a, r: {"rows": r.randint(0, 50)},
          "The query on {table} returned {rows} rows.",
          {"limit": ", at most {limit} rows"}, _filters_slot))

    def units_sample(r: random.Random) -> Args:
        f, t = r.choice([("km", "mi"), ("kg", "lb"), ("m", "ft"), ("mi", "km"), ("lb", "kg")])
        return {"value": r.choice([5, 12.5, 42, 100, 3.2]), "from_unit": f, "to_unit": t}

    add(T("convert_units", "math", "Convert a measurement.",
          {"value": N("Value"), "from_unit": E(["km", "mi", "kg", "lb", "m", "ft"], "Source unit"),
           "to_unit": E(["km", "mi", "kg", "lb", "m", "ft"], "Target unit")},
          ["value", "from_unit", "to_unit"],
          ["Convert {value} {from_unit} to {to_unit}.", "How many {to_unit} is {value} {from_unit}?",
           "{value} {from_unit} in {to_unit}?", "What's {value} {from_unit} expressed in {to_unit}?"],
          units_sample,
          lambda a, r: {"result": round(float(a["value"]) * r.uniform(0.4, 2.3), 2)},
          "{value} {from_unit} is {result} {to_unit}."))

    def time_sample(r: random.Random) -> Args:
        return {"timezone": r.choice(["Europe/Paris", "Asia/Tokyo", "America/New_York", "Australia/Sydney", "America/Lima", "Africa/Cairo"])}

    add(T("get_time", "utility", "Current time in a time zone.",
          {"timezone": S("IANA time zone")}, ["timezone"],
          ["What time is it in {timezone}?", "Current time for {timezone}?", "Tell me the time in {timezone}.", "Clock check: {timezone}."],
          time_sample,
          lambda a, r: {"time": _time(r)},
          "It's {time} in {timezone}."))

    def contact_sample(r: random.Random) -> Args:
        a: Args = {"name": f"{r.choice(PEOPLE)} {r.choice(SURNAMES)}", "phone": f"+1-555-{r.randint(1000, 9999)}"}
        maybe(r, 0.4, "email", _email(r), a)
        if r.random() < 0.3:
            a["tags"] = [r.choice(["work", "family", "gym", "school"])]
        return a

    add(T("add_contact", "contacts", "Save a new contact.",
          {"name": S("Full name"), "phone": S("Phone number"), "email": S("Email"),
           "tags": A({"type": "string"}, "Groups")},
          ["name", "phone"],
          ["Save {name}, {phone}{email_opt}{tags_opt}.", "Add {name} to my contacts: {phone}{email_opt}{tags_opt}.",
           "New contact {name}, number {phone}{email_opt}{tags_opt}.", "Store {phone} as {name}{email_opt}{tags_opt}."],
          contact_sample,
          lambda a, r: {"contact_id": f"c{r.randint(100, 999)}"},
          "{name} saved to your contacts.",
          {"email": ", email {email}", "tags": ", tagged {tags}"}))

    return tools


TOOLS: list[Tool] = _build()
BY_NAME: dict[str, Tool] = {t.name: t for t in TOOLS}

# Tools kept out of training entirely (the test set's `unseen_tool` category).
UNSEEN_TOOLS: list[str] = ["get_air_quality", "rent_car", "calculate_tip", "define_word", "get_movie_showtimes", "add_contact"]

# Questions no offered tool answers: (prompt, answer).
NO_CALL: list[tuple[str, str]] = [
    ("Hi! How are you today?", "I'm doing well, thanks for asking. How can I help?"),
    ("Tell me a fun fact about octopuses.", "Octopuses have three hearts and blue blood."),
    ("What is the capital of Canada?", "The capital of Canada is Ottawa."),
    ("Can you explain what photosynthesis is in one sentence?", "Plants use light, water and CO2 to make sugar and release oxygen."),
    ("Write a haiku about autumn.", "Red leaves drift and fall / cool wind hums through empty trees / the year exhales slow"),
    ("What's 12 times 11?", "12 times 11 is 132."),
    ("Thanks, that's all for now.", "You're welcome! Have a great day."),
    ("Who wrote Pride and Prejudice?", "Jane Austen wrote Pride and Prejudice."),
    ("Give me a synonym for 'happy'.", "Joyful."),
    ("How many continents are there?", "There are seven continents."),
    ("What does HTTP stand for?", "HyperText Transfer Protocol."),
    ("Suggest a name for a grey cat.", "How about Pebble?"),
    ("Is a tomato a fruit?", "Botanically, yes: a tomato is a fruit."),
    ("What's the boiling point of water at sea level?", "100 degrees Celsius, or 212 Fahrenheit."),
    ("Tell me a short joke.", "Why did the scarecrow win an award? He was outstanding in his field."),
    ("How do I say no politely to a meeting?", "Thank them, say you can't make it, and offer an alternative like notes or a later time."),
    ("What's the difference between weather and climate?", "Weather is the short-term state of the air; climate is its long-term average."),
    ("Good morning!", "Good morning! What can I do for you?"),
    ("Explain recursion like I'm five.", "It's when something is described using a smaller copy of itself, like a doll inside a doll."),
    ("Which planet is closest to the sun?", "Mercury."),
    ("What year did the Berlin Wall fall?", "1989."),
    ("Can you recommend a good habit for better sleep?", "Keep a fixed wake-up time, even on weekends."),
    ("What's a prime number?", "A whole number above 1 divisible only by 1 and itself."),
    ("How many legs does a spider have?", "Eight."),
    ("Summarize the plot of Romeo and Juliet in a sentence.", "Two young lovers from feuding families marry in secret and die through a tragic misunderstanding."),
    ("What's the square root of 144?", "12."),
    ("Do you have feelings?", "No, I'm a language model, but I'm happy to help."),
    ("What's the plural of 'cactus'?", "Cacti, or cactuses."),
]
CAPITALS: list[tuple[str, str]] = [
    ("France", "Paris"), ("Japan", "Tokyo"), ("Kenya", "Nairobi"), ("Peru", "Lima"), ("Norway", "Oslo"),
    ("Egypt", "Cairo"), ("Australia", "Canberra"), ("Brazil", "Brasilia"), ("Canada", "Ottawa"),
    ("Portugal", "Lisbon"), ("Vietnam", "Hanoi"), ("Chile", "Santiago"), ("Poland", "Warsaw"),
    ("Morocco", "Rabat"), ("Turkey", "Ankara"), ("Thailand", "Bangkok"), ("Ireland", "Dublin"),
    ("Argentina", "Buenos Aires"), ("Ghana", "Accra"), ("Finland", "Helsinki"), ("Mexico", "Mexico City"),
    ("New Zealand", "Wellington"), ("Austria", "Vienna"), ("Greece", "Athens"),
]
# Requests that sound like tool use but that no offered tool can serve (tools picked to exclude `avoid`).
NO_FIT: list[tuple[str, str, str]] = [
    ("Order me a pizza with extra cheese.", "I can't place food delivery orders with the tools I have.", "place_order"),
    ("Cancel my gym membership.", "I don't have a tool that can cancel memberships.", ""),
    ("Book me a haircut for Saturday.", "I can't book salon appointments with the available tools.", ""),
    ("Transfer 200 dollars to my savings account.", "I can't move money between accounts with the tools I have.", ""),
    ("Call my mom.", "I can't make phone calls, sorry.", ""),
    ("Post this photo to Instagram.", "I don't have a tool for posting to social media.", ""),
    ("Renew my library books.", "I can't access library accounts with the tools I have.", ""),
    ("Unlock the front door.", "I don't have a tool that controls door locks.", ""),
]

__all__ = ["BY_NAME", "CAPITALS", "NO_CALL", "NO_FIT", "TOOLS", "Tool", "UNSEEN_TOOLS", "words"]

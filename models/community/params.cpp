// Every parameter of the community model, declared once in the table below: key, member of
// Params, default, allowed range, unit, description, source, and whether it is fixed once the
// simulation is built. The schema, the reader (read_params) and docs/model.md's parameter table
// (build/release/benchmarks/community_doc, see docs/model.md) are all generated from it.
#include <cmath>
#include <sstream>
#include <utility>

#include "params.hpp"
#include "socius/errors.hpp"
#include "state.hpp"

namespace socius::models::community {

namespace {

using Table = ParameterTable<Params>;
using Structure = Params::Structure;
using Contact = Params::Contact;
using Ties = Params::Ties;
using Formation = Params::Formation;
using Loneliness = Params::Loneliness;
using Trust = Params::Trust;
using Civic = Params::Civic;
using Life = Params::Life;
using Services = Params::Services;
using Burnout = Params::Burnout;
using Policy = Params::Policy;
using Hubs = Policy::Hubs;
using Befriending = Policy::Befriending;
using RelationalPractice = Policy::RelationalPractice;
using Collaboration = Policy::Collaboration;
using Reorganisation = Policy::Reorganisation;
using Budget = Params::Budget;
using Appraisal = Params::Appraisal;
using Indicators = Params::Indicators;

constexpr Fixed kFixed = Fixed::AfterSetup;  // shapes the setup (structure, posts, teams, hubs)
constexpr const char* kCalibrated = "calibrated: see docs/model.md, Calibration";
/// Fitted by the reproducible refit of the baseline (history matching; docs/calibration.md, section 7).
constexpr const char* kRefit = "fitted by history matching, socius calibrate scenarios/calibration/baseline.toml (docs/calibration.md, section 7)";
constexpr const char* kAssumption = "assumption (no published estimate; sweep it)";

/// ties.delta_<name> and ties.decay_<name>.
void tie_type(Table& t, TieKind k, const std::string& name, double delta, double decay) {
  t.real("ties.delta_" + name, at(&Params::ties, &Ties::delta, k), delta, 0, 1, "per use",
         "Reinforcement of a used " + name + " tie: w += delta (1 - w).", "MODEL.md default form; size " + std::string(kCalibrated));
  t.real("ties.decay_" + name, at(&Params::ties, &Ties::decay, k), decay, 0, 10, "per week",
         "Decay rate of an unused " + name + " tie: w *= exp(-decay).",
         "Burt (2000), 'Decay functions': weak and new ties decay fastest; size " + std::string(kCalibrated));
}

/// services.<name>_posts, _capacity, _h0 and _beta.
void service(Table& t, Service k, const std::string& name, double posts, double capacity, double h0, double beta,
             const std::string& outcome) {
  t.real("services." + name + "_posts", at(&Params::services, &Services::posts, k), posts, 0, 10000, "posts per 10,000 residents",
         "Funded " + name + " professional posts, shared among teams by need (need_index).",
         "calibrated (docs/model.md, \"Services\"): mean caseload per professional in post about 16.5 (DfE children's social work workforce census 2021)", kFixed);
  t.real("services." + name + "_capacity", at(&Params::services, &Services::capacity, k), capacity, 1, 100000, "clients",
         "Caseload a fully trained " + name + " professional can serve well.",
         "DfE children's social work workforce census 2021: average caseload 16.5 per social worker; capacity set a little above (assumption)");
  t.real("services." + name + "_h0", at(&Params::services, &Services::h0, k), h0, 0, 1, "per week",
         "Baseline weekly hazard of " + outcome + ".", kAssumption);
  t.real("services." + name + "_beta", at(&Params::services, &Services::beta, k), beta, 0, 100, "", "h = h0 (1 + beta q) for " + outcome + ".",
         "Barker et al. 2017 (usual-provider continuity +0.2: about 6% fewer admissions, 0.94^5 = 0.73 over the full range) and Sandvik et al. 2022 "
         "(odds ratios 0.70-0.75 after 15+ years with one GP): a settled relationship (q = 1) has 1/0.73 = about 1.35 times a new one's (q = q0) hazard "
         "of the good outcome; range 0.2-0.6 (docs/model.md, \"Services\")");
}

/// The fields every timed policy has: policy.<name>.enabled, start, duration, ramp_up, target,
/// cost_one_off (the fixed part of its cost; unit costs are declared with each policy).
template <class Timed>
void timed(Table& t, const std::string& name, Timed Policy::*policy, const std::string& what, const std::string& target,
           Fixed enabled_fixed, Fixed target_fixed) {
  const std::string k = "policy." + name + ".";
  const auto field = [policy](auto member) { return at(&Params::policy, policy, member); };
  t.boolean(k + "enabled", field(&TimedPolicy::enabled), false, "Switches the " + what + " intervention on.", "scenario choice", enabled_fixed);
  // A policy starts at policy time 0 or later (Model::start): none acts during burn-in, so every
  // option of an appraisal burns in alike (docs/appraisal.md, section 3).
  t.integer(k + "start", field(&TimedPolicy::start), 0, 0, 100000, "weeks", "Policy week at which the " + what + " starts (0 = end of burn-in; a policy never acts during burn-in).", "scenario choice");
  t.integer(k + "duration", field(&TimedPolicy::duration), 520, 0, 100000, "weeks", "How long the " + what + " runs.", "scenario choice");
  t.integer(k + "ramp_up", field(&TimedPolicy::ramp_up), 26, 0, 100000, "weeks", "Weeks over which the " + what + " reaches full strength (linear).", "scenario choice");
  t.choice(k + "target", field(&TimedPolicy::target), target, {"all", "most_deprived_quintile", "two_most_deprived_quintiles", "older_isolated"},
           "Which neighbourhoods or residents the " + what + " reaches.", "scenario choice", target_fixed);
  t.real(k + "cost_one_off", field(&TimedPolicy::cost_one_off), 0, 0, 1e12, "GBP",
         "Fixed part of the " + what + "'s cost (set-up, programme management), paid in its first active week whatever it delivers; the rest is paid per unit delivered (docs/model.md, \"Costs and appraisal\").",
         "scenario choice (see scenarios/)");
}

Table build_table() {
  Table t;
  // ---- structure ----
  t.real("structure.neighbourhood_size", at(&Params::structure, &Structure::neighbourhood_size), 1500, 100, 100000, "residents",
         "Residents per neighbourhood (deprivation quintiles are assigned to neighbourhoods in equal numbers).",
         "ONS: Lower Layer Super Output Areas hold 1,000-3,000 residents, about 1,500 on average", kFixed);
  t.real("structure.workplace_size", at(&Params::structure, &Structure::workplace_size), 20, 2, 10000, "workers",
         "Mean size of a workplace focus (the people one works alongside, not the whole employer).", kAssumption, kFixed);
  t.real("structure.college_size", at(&Params::structure, &Structure::college_size), 300, 10, 100000, "students", "Students per college focus (16+ education).", kAssumption, kFixed);
  t.integer("structure.community_foci", at(&Params::structure, &Structure::community_foci), 4, 0, 100, "foci per neighbourhood",
            "Clubs, faith groups, libraries and similar places per neighbourhood.", kAssumption, kFixed);
  t.real("structure.community_membership", at(&Params::structure, &Structure::community_membership), 0.35, 0, 1, "share of residents",
         "Share of residents who belong to one community focus (higher with sociability).",
         "Community Life Survey 2021/22: about a third take part in a group, club or organisation monthly (rounded)", kFixed);
  t.real("structure.activity_work", at(&Params::structure, &Structure::activity_work), 0.6, 0, 1, "", "Activity level of workplaces: scales how often members meet someone new there.", kAssumption, kFixed);
  t.real("structure.activity_college", at(&Params::structure, &Structure::activity_college), 0.8, 0, 1, "", "Activity level of colleges.", kAssumption, kFixed);
  t.real("structure.activity_school_gate", at(&Params::structure, &Structure::activity_school_gate), 0.5, 0, 1, "", "Activity level of school gates and nurseries.", kAssumption, kFixed);
  t.real("structure.activity_community", at(&Params::structure, &Structure::activity_community), 0.5, 0, 1, "", "Activity level of community foci.", kAssumption, kFixed);
  t.real("structure.activity_neighbourhood", at(&Params::structure, &Structure::activity_neighbourhood), 0.2, 0, 1, "", "Activity level of the neighbourhood itself as a focus everyone shares (the street, shops, parks).", kAssumption, kFixed);
  t.real("structure.household_one_person", at(&Params::structure, &Structure::household, kOnePerson), 0.30, 0, 1, "share of households", "Share of households with one adult and no young child.",
         "ONS Families and Households 2023: 30% of households are one person", kFixed);
  t.real("structure.household_couple", at(&Params::structure, &Structure::household, kCouple), 0.30, 0, 1, "share of households", "Couples without dependent children.",
         "ONS Families and Households 2023 (rounded)", kFixed);
  t.real("structure.household_couple_children", at(&Params::structure, &Structure::household, kCoupleChildren), 0.19, 0, 1, "share of households", "Couples with dependent children.",
         "ONS Families and Households 2023 (rounded)", kFixed);
  t.real("structure.household_lone_parent", at(&Params::structure, &Structure::household, kLoneParent), 0.07, 0, 1, "share of households", "Lone parents with dependent children.",
         "ONS Families and Households 2023 (rounded)", kFixed);
  t.real("structure.household_shared", at(&Params::structure, &Structure::household, kShared), 0.14, 0, 1, "share of households",
         "Other multi-adult households (sharers, adult children with parents).", "ONS Families and Households 2023 (remainder)", kFixed);
  t.real("structure.young_child_share", at(&Params::structure, &Structure::young_child_share), 0.42, 0, 1, "share of families",
         "Share of families with dependent children whose youngest child is under 5 (these adults are 'parents').",
         "ONS Families and Households (about 4 in 10 families with dependent children have a child under 5; rounded)", kFixed);
  t.real("structure.older_one_person_share", at(&Params::structure, &Structure::older_one_person_share), 0.5, 0, 1, "share", "Share of one-person households whose resident is 65 or older.",
         "ONS Families and Households 2023: about half of people living alone are 65+ (rounded)", kFixed);
  t.real("structure.older_couple_share", at(&Params::structure, &Structure::older_couple_share), 0.5, 0, 1, "share", "Share of couples without children aged 55-90.", kAssumption, kFixed);
  t.real("structure.employment_rate_q1", at(&Params::structure, &Structure::employment_rate_q1), 0.66, 0, 1, "share of working-age adults",
         "Employment rate of working-age adults not in education in the most deprived quintile (interpolated linearly to q5).",
         "ONS Annual Population Survey; English Indices of Deprivation employment domain (rounded)", kFixed);
  t.real("structure.employment_rate_q5", at(&Params::structure, &Structure::employment_rate_q5), 0.82, 0, 1, "share of working-age adults", "Employment rate in the least deprived quintile.",
         "ONS Annual Population Survey (rounded)", kFixed);
  t.real("structure.unemployment_share", at(&Params::structure, &Structure::unemployment_share), 0.25, 0, 1, "share of those not employed",
         "Share of working-age adults without work who are unemployed (seeking work) rather than inactive.",
         "ONS Labour Force Survey: about 1.4m unemployed vs 9m inactive aged 16-64, excluding students (rounded)", kFixed);
  t.integer("structure.kin_outside", at(&Params::structure, &Structure::kin_outside), 2, 0, 20, "ties", "Mean number of kin ties to residents of other households (Poisson).", kAssumption, kFixed);
  t.real("structure.family_away", at(&Params::structure, &Structure::family_away), 2.0, 0, 50, "relatives", "Mean number (Poisson) of close relatives living outside the simulated area; they are not agents but phone or visit.", kCalibrated, kFixed);
  t.real("contact.family_away_weekly", at(&Params::contact, &Contact::family_away_weekly), 0.6, 0, 1, "probability per relative per week", "Chance that each relative living elsewhere is in contact in a week (counts as a contact received).", kCalibrated);
  t.real("structure.initial_friends", at(&Params::structure, &Structure::initial_friends), 5, 0, 100, "ties per resident", "Friend ties drawn at setup from each resident's foci (the burn-in then finds the steady state).", "socius convention", kFixed);
  t.real("structure.initial_acquaintances", at(&Params::structure, &Structure::initial_acquaintances), 4, 0, 100, "ties per resident", "Acquaintance ties drawn at setup from each resident's foci.", "socius convention", kFixed);
  t.integer("structure.borough_digest", at(&Params::structure, &Structure::borough_digest), 0, 0, 1'000'000'000'000'000'000, "",
            "Digest of the borough table the population is built from (0: the generic population); set by simulation.borough, not by hand (docs/borough.md).",
            "python/socius/borough.py (SHA-256 of the validated table)", kFixed);
  // Generic setup's adult age structure (issue 15): England's Census 2021 shares, as in
  // scenarios/boroughs/england.toml's [age] table.
  t.boolean("structure.align_ages", at(&Params::structure, &Structure::align_ages), true,
            "Aligns the generic setup's adult ages to structure.age_16_24 .. age_75_plus, neighbourhood by neighbourhood, keeping their order (false: ages as drawn from the household types). A borough table's own age shares are used instead when simulation.borough is set.",
            "scenario choice (docs/model.md, \"Setup\")", kFixed);
  {
    static const char* const band[7] = {"16_24", "25_34", "35_44", "45_54", "55_64", "65_74", "75_plus"};
    static const double england[7] = {0.1319, 0.1660, 0.1592, 0.1636, 0.1538, 0.1231, 0.1024};
    static const char* const label[7] = {"16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75 and over"};
    for (int b = 0; b < 7; ++b) {
      t.real(std::string("structure.age_") + band[b], at(&Params::structure, &Structure::age_share, b), england[b], 0, 1, "share of residents 16+",
             std::string("Share of the generic setup's residents (16+) aged ") + label[b] + " (with structure.align_ages; the seven shares sum to 1).",
             "ONS, Census 2021: usual residents of England by five-year age band (TS007), summed to the model's adult bands (16-19 as four fifths of 15-19): "
             "16-24 6,055k, 25-34 7,620k, 35-44 7,310k, 45-54 7,510k, 55-64 7,060k, 65-74 5,650k, 75+ 4,700k of 45,905k; as scenarios/boroughs/england.toml "
             "(entered without the published table at hand: check each band against TS007 before citing; docs/borough.md)",
             kFixed);
    }
  }

  // ---- contact ----
  t.real("contact.mean", at(&Params::contact, &Contact::mean), 9, 0, 200, "contacts per week",
         "Mean weekly social contacts of a resident of average sociability (Poisson).", kCalibrated);
  t.real("contact.sociability_shape", at(&Params::contact, &Contact::sociability_shape), 3, 0.1, 100, "", "Shape of the gamma distribution (mean 1) of sociability.", kCalibrated);
  t.real("contact.withdrawal", at(&Params::contact, &Contact::withdrawal), 0.6, 0, 1, "share of budget",
         "Reduction of the contact budget at loneliness 1: budget *= 1 - withdrawal * L.",
         "Cacioppo & Hawkley (2009), Cacioppo et al. (2009): lonely people withdraw; size " + std::string(kAssumption));
  t.real("contact.parent_time", at(&Params::contact, &Contact::parent_time), 0.210, 0, 1, "factor", "Contact budget multiplier for parents of young children (time pressure).", kRefit);
  t.real("contact.age75_factor", at(&Params::contact, &Contact::age75_factor), 0.274, 0, 2, "factor", "Contact budget multiplier at 75 and over.", std::string(kRefit) + "; a fitted factor, not a measured contact rate (docs/validation.md, \"What does not match yet\")");
  t.real("contact.young_factor", at(&Params::contact, &Contact::young_factor), 0.137, 0, 2, "factor", "Contact budget multiplier at 16-24.", std::string(kRefit) + "; a fitted factor, not a measured contact rate: young adults living with parents are protected by household ties the model counts in full (docs/validation.md, \"What does not match yet\")");
  t.real("contact.new_share", at(&Params::contact, &Contact::new_share), 0.06, 0, 1, "share of contacts",
         "Share of contacts spent meeting someone new at one of one's foci (focal closure).", "Feld (1981) focus theory; size calibrated");
  t.real("contact.random_meeting", at(&Params::contact, &Contact::random_meeting), 0.02, 0, 10, "meetings per week", "Rate of chance meetings with a stranger in one's neighbourhood.", kAssumption);
  t.real("contact.hub_contacts", at(&Params::contact, &Contact::hub_contacts), 2, 0, 60, "contacts per week",
         "Extra contacts a hub member has at the hub each week at full strength (Poisson, scaled by the hub's ramp), on top of the contact budget.",
         "assumption: one weekly session or drop-in at which a member talks with a few people (no published count; sweep it)");
  t.real("contact.hub_new", at(&Params::contact, &Contact::hub_new), 0.25, 0, 1, "share of hub contacts",
         "Share of hub contacts spent meeting someone new (focal closure); the rest go to ties with co-members of the hub, by strength.", kAssumption);

  // ---- ties ----
  tie_type(t, kKin, "kin", 0.25, 0.01);
  tie_type(t, kFriend, "friend", 0.25, 0.025);
  tie_type(t, kAcquaintance, "acquaintance", 0.2, 0.06);
  tie_type(t, kCollegial, "collegial", 0.2, 0.03);  // service ties follow the services system
  t.real("ties.floor", at(&Params::ties, &Ties::floor), 0.05, 0, 1, "weight", "A non-kin tie weaker than this is lost.", kAssumption);
  t.real("ties.kin_floor", at(&Params::ties, &Ties::kin_floor), 0.1, 0.0001, 1, "weight", "Kin ties never fall below this (dormant, not lost).", kAssumption);
  t.real("ties.friend_threshold", at(&Params::ties, &Ties::friend_threshold), 0.5, 0, 1, "weight", "An acquaintance tie this strong becomes a friend tie.", kAssumption);
  t.real("ties.demote_threshold", at(&Params::ties, &Ties::demote_threshold), 0.2, 0, 1, "weight", "A friend tie this weak becomes an acquaintance tie.", kAssumption);
  t.real("ties.new_weight", at(&Params::ties, &Ties::new_weight), 0.15, 0.0001, 1, "weight", "Strength of a new tie.", kAssumption);
  t.real("ties.close_threshold", at(&Params::ties, &Ties::close_threshold), 0.5, 0, 1, "weight", "A kin or friend tie at least this strong is a close tie.", "socius convention");

  // ---- formation ----
  t.real("formation.accept", at(&Params::formation, &Formation::accept), 0.6, 0, 1, "probability", "Base probability that a meeting becomes a tie (before homophily, trust, capacity).", kCalibrated);
  t.real("formation.triadic", at(&Params::formation, &Formation::triadic), 0.04, 0, 1, "per contact",
         "Probability that a contact with a tie of strength w leads to an introduction to one of their ties, times w.",
         "Granovetter (1973); Davidsen et al. (2002): triadic closure; size " + std::string(kCalibrated));
  t.real("formation.age_scale", at(&Params::formation, &Formation::age_scale), 15, 0.1, 1000, "years", "Homophily: acceptance *= exp(-|age difference| / age_scale).",
         "McPherson, Smith-Lovin & Cook (2001) homophily; scale " + std::string(kAssumption));
  t.real("formation.other_neighbourhood", at(&Params::formation, &Formation::other_neighbourhood), 0.6, 0, 1, "factor", "Acceptance multiplier when the two live in different neighbourhoods.", kAssumption);
  t.real("formation.trust_effect", at(&Params::formation, &Formation::trust_effect), 1.0, 0, 2, "",
         "Willingness to tie with a stranger is clamp(0.5 + trust_effect (T - 0.5)); half this effect at a shared focus.",
         "MODEL.md (trust raises willingness to form ties with strangers); size " + std::string(kAssumption));
  t.real("formation.capacity", at(&Params::formation, &Formation::capacity), 150, 1, 10000, "ties", "Dunbar-like capacity: acceptance *= max(0, 1 - social ties / capacity).", "Dunbar (1992, 1998)");

  // ---- loneliness ----
  t.real("loneliness.rate", at(&Params::loneliness, &Loneliness::rate), 0.08, 0, 1, "per week", "Speed at which loneliness moves toward its target.", kAssumption);
  t.real("loneliness.desired_mean", at(&Params::loneliness, &Loneliness::desired_mean), 1.24, 0, 100, "weight", "Mean desired close-tie strength (sum of close-tie weights plus weighted contacts).",
         "Perlman & Peplau (1981) cognitive discrepancy; size " + std::string(kRefit));
  t.real("loneliness.desired_sd", at(&Params::loneliness, &Loneliness::desired_sd), 0.35, 0, 5, "log scale", "Spread of desired relationships between people (lognormal sigma).", kCalibrated);
  t.real("loneliness.desired_age", at(&Params::loneliness, &Loneliness::desired_age), 0.740, -2, 2, "log per decade",
         "Decline of desired relationships with age above loneliness.desired_pivot (desired_age_young below it); 1 at 45; at a pivot of 16 or with equal slopes, desired x exp(-desired_age (age - 45) / 10) (the former single slope).",
         "Socioemotional selectivity (Carstensen 1992; Lang & Carstensen 1994); Wrzus et al. (2013): networks shrink through adulthood; size " + std::string(kRefit));
  t.real("loneliness.desired_age_young", at(&Params::loneliness, &Loneliness::desired_age_young), -0.153, -2, 2, "log per decade",
         "Decline of desired relationships with age below loneliness.desired_pivot (desired_age above it); no effect at a pivot of 16; equal slopes give one log-linear decline, desired x exp(-desired_age (age - 45) / 10).",
         "The middle-age figures (ONS 2018; Onward) that one slope cannot meet; size " + std::string(kRefit) + "; the fitted value is negative (desired relationships rising with age up to the pivot), a shape no study gives: it is what brings 25-34 and 45-54 into their bands together");
  t.real("loneliness.desired_pivot", at(&Params::loneliness, &Loneliness::desired_pivot), 55.3, 16, 90, "years",
         "Age at which the decline of desired relationships changes from desired_age_young to desired_age (1 at 45 whatever the pivot); 16 (every resident above it): desired_age alone.",
         kRefit);
  t.real("loneliness.desired_parent", at(&Params::loneliness, &Loneliness::desired_parent), 1.60, 0, 10, "factor",
         "Desired relationships multiplier for parents of a child under 5 (adult company wanted at a time of isolation).",
         "Perlman & Peplau (1981): life transitions change desired relationships; size " + std::string(kRefit));
  t.real("loneliness.close_weight", at(&Params::loneliness, &Loneliness::close_weight), 0.1, 0, 10, "per unit weight", "How much the strength of one's kin and friend ties counts toward actual relationships.", kCalibrated);
  t.real("loneliness.contact_weight", at(&Params::loneliness, &Loneliness::contact_weight), 0.08, 0, 10, "weight per contact", "How much one contact this week counts toward actual relationships.", kCalibrated);
  t.real("loneliness.slope", at(&Params::loneliness, &Loneliness::slope), 8, 0, 100, "", "L* = logistic(slope (D - midpoint) + spread term), D = max(0, 1 - actual/desired).", kCalibrated);
  t.real("loneliness.midpoint", at(&Params::loneliness, &Loneliness::midpoint), 0.62, -10, 10, "", "Discrepancy at which the loneliness target is one half.", kCalibrated);
  t.real("loneliness.spread", at(&Params::loneliness, &Loneliness::spread), 1.5, 0, 20, "logit per unit",
         "Contagion: the target moves by spread x (strength-weighted mean loneliness of one's ties - own), on the logit scale.",
         "Cacioppo, Fowler & Christakis (2009), Framingham Heart Study; size " + std::string(kAssumption));
  t.real("loneliness.threshold", at(&Params::loneliness, &Loneliness::threshold), 0.5, 0, 1, "", "Loneliness at or above which a resident is 'often or always lonely'.", "socius convention");
  t.real("loneliness.bereavement", at(&Params::loneliness, &Loneliness::bereavement), 0.3, 0, 1, "", "Loneliness added when a household member dies.", kAssumption);

  // ---- trust ----
  t.real("trust.rate", at(&Params::trust, &Trust::rate), 0.03, 0, 1, "per week", "Speed at which generalised trust moves toward its target.", kAssumption);
  t.real("trust.intercept", at(&Params::trust, &Trust::intercept), -0.702, -20, 20, "logit", "Intercept of the trust target.", kRefit);
  t.real("trust.disposition_sd", at(&Params::trust, &Trust::disposition_sd), 1.2, 0, 10, "logit", "Spread of individual trust disposition (normal, logit scale).", kCalibrated);
  t.real("trust.positive", at(&Params::trust, &Trust::positive), 2.0, -20, 20, "logit per unit", "Weight of the positive share of contacts (centred at 0.7).", kCalibrated);
  t.real("trust.known", at(&Params::trust, &Trust::known), 1.0, -20, 20, "logit per unit", "Weight of the share of one's neighbourhood one knows (saturating).", kCalibrated);
  t.real("trust.neighbourhood", at(&Params::trust, &Trust::neighbourhood), 2.0, -20, 20, "logit per unit", "Weight of neighbourhood mean trust (centred at 0.5).", kCalibrated);
  t.real("trust.service", at(&Params::trust, &Trust::service), 1.0, -20, 20, "logit per unit", "Weight of relationship quality with public services (centred at 0.3) while served.", kAssumption);
  t.real("trust.positive_q1", at(&Params::trust, &Trust::positive_q1), 0.58, 0, 1, "share of contacts", "Share of contacts with non-kin that are positive in the most deprived quintile.", kCalibrated);
  t.real("trust.positive_q5", at(&Params::trust, &Trust::positive_q5), 0.8, 0, 1, "share of contacts", "The same in the least deprived quintile (linear in between).", kCalibrated);
  t.real("trust.positive_memory", at(&Params::trust, &Trust::positive_memory), 0.1, 0, 1, "per week", "Rate of the moving average of the positive share of contacts.", kAssumption);
  t.real("trust.known_norm", at(&Params::trust, &Trust::known_norm), 12, 0.1, 1000, "ties", "Local (same-neighbourhood) social ties at which 'knowing the neighbourhood' saturates.", kAssumption);
  t.real("trust.threshold", at(&Params::trust, &Trust::threshold), 0.5, 0, 1, "", "Trust at or above which a resident says most people can be trusted.", "socius convention");
  t.real("trust.pull_together_threshold", at(&Params::trust, &Trust::pull_together_threshold), 0.45, 0, 1, "",
         "A resident says people pull together when (neighbourhood mean trust + known share) / 2 reaches this.", kAssumption);

  // ---- civic efficacy ----
  t.real("civic.rate", at(&Params::civic, &Civic::rate), 0.03, 0, 1, "per week", "Speed at which civic efficacy moves toward its target.", kAssumption);
  t.real("civic.intercept", at(&Params::civic, &Civic::intercept), -1.5, -20, 20, "logit", "Intercept of the civic efficacy target.", kAssumption);
  t.real("civic.hub", at(&Params::civic, &Civic::hub), 0.0, -20, 20, "logit", "Direct effect of hub membership (on top of what hubs do through contact, local ties and trust).", "0: no published estimate of a direct effect (social prescribing and hub evaluations are uncontrolled or at high risk of bias: Bickerdike et al. 2017; Reinhardt et al. 2021); hubs act through the contact they add (docs/model.md)");
  t.real("civic.community", at(&Params::civic, &Civic::community), 0.6, -20, 20, "logit", "Effect of community focus membership.", kAssumption);
  t.real("civic.local", at(&Params::civic, &Civic::local), 1.0, -20, 20, "logit per unit", "Effect of the known share of one's neighbourhood.", kAssumption);
  t.real("civic.trust", at(&Params::civic, &Civic::trust), 2.0, -20, 20, "logit per unit", "Effect of trust (centred at 0.5).", kAssumption);

  // ---- life events ----
  t.real("life.move_q1", at(&Params::life, &Life::move_q1), 0.14, 0, 1, "per household per year", "Household move-out rate in the most deprived quintile (a newcomer household takes the home).",
         "English Housing Survey: about 1 in 10 households moved in the last year, more among private renters (rounded)");
  t.real("life.move_q5", at(&Params::life, &Life::move_q5), 0.07, 0, 1, "per household per year", "Household move-out rate in the least deprived quintile.", "English Housing Survey (rounded)");
  t.real("life.mortality_a", at(&Params::life, &Life::mortality_a), -10.6, -30, 0, "log per year", "Gompertz mortality: hazard = exp(a + b age) per year.", "Gompertz fit to ONS National Life Tables 2020-22 (rounded)");
  t.real("life.mortality_b", at(&Params::life, &Life::mortality_b), 0.094, 0, 1, "per year of age", "Gompertz slope.", "Gompertz fit to ONS National Life Tables 2020-22 (rounded)");
  t.real("life.retirement_age", at(&Params::life, &Life::retirement_age), 66, 50, 80, "years", "Age at which employed residents retire (the workplace focus is lost).", "UK State Pension age 2020-2026");
  t.real("life.job_loss_q1", at(&Params::life, &Life::job_loss_q1), 0.06, 0, 1, "per year", "Job loss rate in the most deprived quintile.", "ONS Labour Force Survey flows: about 1% of employees per quarter on average (rounded)");
  t.real("life.job_loss_q5", at(&Params::life, &Life::job_loss_q5), 0.025, 0, 1, "per year", "Job loss rate in the least deprived quintile.", "ONS Labour Force Survey flows (rounded)");
  t.real("life.birth_rate", at(&Params::life, &Life::birth_rate), 0.03, 0, 1, "per year", "Rate at which a couple aged 22-42 without a young child has one (both become parents for 5 years).", kCalibrated);
  t.integer("life.newcomer_draws", at(&Params::life, &Life::newcomer_draws), 4, 1, 100, "households",
            "Candidate newcomer households drawn for a vacated home; the one whose members best fill the age bands furthest below the setup's age pyramid moves in (1: no alignment of movers).",
            "alignment of a microsimulation to a population structure (Li & O'Donoghue 2014); number " + std::string(kCalibrated));
  t.real("life.education_leave_age", at(&Params::life, &Life::education_leave_age), 19, 16, 30, "years", "Mean age at leaving education (uniform within 2 years).", "DfE participation statistics (rounded)");
  // Household formation (docs/model.md, "life_events": leaving home).
  t.real("life.leave_home_rate", at(&Params::life, &Life::leave_home_rate), 0.18, 0, 52, "per year",
         "Hazard of leaving the parental home for a resident aged leave_home_min_age to leave_home_max_age who lives with a parent (a co-resident at least parent_gap years older).",
         "constant-hazard fit from age 18 to ONS 2014, Young adults living with their parents 2013: 49% of 20-24, 21% of 25-29 and 8% of 30-34 year olds live with a parent (exp(-0.18 t) at t = 4, 9, 14 years: 49%, 20%, 8%)");
  t.real("life.leave_home_min_age", at(&Params::life, &Life::leave_home_min_age), 18, 16, 100, "years", "Youngest age at which a resident leaves the parental home.",
         "assumption (the age of majority; ONS counts young adults living with parents from 20)");
  t.real("life.leave_home_max_age", at(&Params::life, &Life::leave_home_max_age), 35, 16, 120, "years", "Age from which a resident still living with a parent no longer leaves (carers, adult children who stay).",
         "ONS 2014: the statistic covers 20-34 year olds; 8% of 30-34 year olds live with a parent");
  t.real("life.parent_gap", at(&Params::life, &Life::parent_gap), 16, 0, 100, "years",
         "A co-resident at least this much older is taken to be a parent (children are not agents and parenthood is not recorded).", kAssumption);
  t.real("life.leave_partner", at(&Params::life, &Life::leave_partner), 0.5, 0, 1, "share",
         "Share of home leavers who move in with a partner (a resident of the neighbourhood living alone, age within partner_age_gap) rather than into a home of their own.",
         "assumption guided by ONS 2011 (Young adults living with parents, table 1): 59% of 20-34 year olds not living with a parent live as a couple in their own household; set lower by judgement (not fitted), since residents living alone also move in with partners (partner_rate)");
  t.real("life.partner_age_gap", at(&Params::life, &Life::partner_age_gap), 5, 0, 100, "years", "Largest age difference between a resident who moves in with a partner and the partner.", kAssumption);
  t.real("life.partner_rate", at(&Params::life, &Life::partner_rate), 0.3, 0, 52, "per year",
         "Hazard that a resident aged leave_home_min_age to partner_max_age who lives alone moves in with a partner (a resident of the neighbourhood living alone, age within partner_age_gap); their home is left empty.",
         "calibrated (docs/model.md, Calibration): holds the share of 20-34 year olds living alone near ONS 2011 (Young adults living with parents, table 1: 10% of men and 6% of women aged 20-34 live alone)");
  t.real("life.partner_max_age", at(&Params::life, &Life::partner_max_age), 45, 16, 120, "years", "Age from which a resident living alone no longer moves in with a partner.", kAssumption);

  // ---- services ----
  service(t, kEmployment, "employment", 15, 18, 0.025, 0.37, "a job found");
  service(t, kEducationSvc, "education", 35, 18, 0.02, 0.37, "a step of school progress (attainment)");
  service(t, kHealth, "health", 48, 18, 0.01, 0.37, "positive health behaviour change");
  service(t, kLegal, "legal", 19, 18, 0.02, 0.37, "a legal case resolved");
  t.real("services.health_onset", at(&Params::services, &Services::health_onset), 0.07, 0, 1, "per year at 50", "Onset rate of a health need (doubles every 20 years of age).", kAssumption);
  t.real("services.legal_onset", at(&Params::services, &Services::legal_onset), 0.03, 0, 1, "per year", "Onset rate of a legal problem in the least deprived quintile.",
         "Legal Problem and Resolution Survey (rounded; only problems needing advice)");
  t.real("services.legal_deprivation", at(&Params::services, &Services::legal_deprivation), 2.0, 1, 10, "factor", "Legal problems are this many times as common in the most deprived quintile (linear).", kAssumption);
  t.real("services.health_resolve", at(&Params::services, &Services::health_resolve), 0.005, 0, 1, "per week", "Weekly chance a health need ends without behaviour change.", kAssumption);
  t.real("services.legal_resolve", at(&Params::services, &Services::legal_resolve), 0.005, 0, 1, "per week", "Weekly chance a legal problem ends unresolved (given up).", kAssumption);
  t.real("services.overload", at(&Params::services, &Services::overload), 1.25, 1, 100, "x capacity", "Professionals take new clients until caseload reaches overload x capacity; beyond that residents wait.", kAssumption);
  t.real("services.q0", at(&Params::services, &Services::q0), 0.05, 0, 1, "", "Relationship quality at the first meeting with a professional.", kAssumption);
  t.real("services.q_rate", at(&Params::services, &Services::q_rate), 0.04, 0, 1, "per week", "q += q_rate c (1 - q); c = contact time factor min(1, capacity/caseload)(1 - q_burnout B).", kAssumption);
  t.real("services.q_burnout", at(&Params::services, &Services::q_burnout), 0.6, 0, 1, "", "Loss of contact time at burnout 1.", "Maslach & Leiter (2016); size " + std::string(kAssumption));
  t.real("services.reassign", at(&Params::services, &Services::reassign), 0.004, 0, 1, "per client per week", "Routine reassignment to another professional (rotas, restructures of work).", kAssumption);
  t.integer("services.team_neighbourhoods", at(&Params::services, &Services::team_neighbourhoods), 5, 1, 1000000, "neighbourhoods", "Neighbourhoods served by one team of each service (consecutive neighbourhoods; quintiles cycle 1..5, so at 5 every area holds one neighbourhood of each quintile: areas of mixed deprivation).", kAssumption, kFixed);

  // ---- burnout ----
  t.real("burnout.demand", at(&Params::burnout, &Burnout::demand), 0.0210, 0, 10, "per week", "Burnout added per week at a full caseload (caseload = capacity): demand x v x caseload / capacity.",
         "Maslach & Leiter (2016): workload is the main driver; size fitted with the staff side (socius calibrate scenarios/calibration/staff.toml, docs/calibration.md section 7): about 30% of staff above burnout.threshold (NHS Staff Survey 2023)");
  t.real("burnout.load", at(&Params::burnout, &Burnout::load), 0.05, 0, 10, "per week per unit", "Burnout added per week per unit of caseload above capacity (caseload/capacity - 1), times v.",
         "Maslach & Leiter (2016): workload is a main driver; size " + std::string(kAssumption));
  t.real("burnout.relationship", at(&Params::burnout, &Burnout::relationship), 0.02, 0, 10, "per week", "Burnout added per week by poor client relationships: relationship x v x max(0, quality_ref - mean q).",
         "Deep Value (Community Links 2011): absence of good relationships contributes to burnout; size " + std::string(kAssumption));
  t.real("burnout.quality_ref", at(&Params::burnout, &Burnout::quality_ref), 0.4, 0, 1, "", "Mean client relationship quality below which relationships add to burnout.", kAssumption);
  t.real("burnout.support", at(&Params::burnout, &Burnout::support), 0.03, 0, 10, "per week", "Burnout relieved per week by full collegial support: support x S x B.", kAssumption);
  t.real("burnout.recovery", at(&Params::burnout, &Burnout::recovery), 0.01, 0, 10, "per week", "Burnout recovered per week without support: recovery x B.", kAssumption);
  t.real("burnout.support_norm", at(&Params::burnout, &Burnout::support_norm), 2.0, 0.01, 1000, "weight", "Collegial tie strength at which support S saturates at 1.", kAssumption);
  t.real("burnout.sensitivity_sd", at(&Params::burnout, &Burnout::sensitivity_sd), 0.672, 0, 5, "log units",
         "Log-sd of a professional's burnout sensitivity v (lognormal, mean 1, drawn on arrival): people in the same job differ in how much it wears them down.",
         "sets the spread of burnout; fitted with the staff side (socius calibrate scenarios/calibration/staff.toml, docs/calibration.md section 7; the four staff targets barely constrain it)");
  t.real("burnout.newcomer", at(&Params::burnout, &Burnout::newcomer), 0.2, 0, 1, "", "Burnout of a newcomer on arrival: v x newcomer (arrivals come from other posts, not rested).",
         "assumption: about half the mean burnout in post (docs/model.md)");
  t.real("burnout.threshold", at(&Params::burnout, &Burnout::threshold), 0.5, 0, 1, "",
         "Burnout at or above which a professional counts as burnt out (burnout_share): the upper half of the 0-1 scale, as 'often' or 'always' are the upper two of the NHS Staff Survey's five answers.",
         "socius convention; target share about 30% (NHS Staff Survey 2023)");
  t.real("burnout.leave_base", at(&Params::burnout, &Burnout::leave_base), 0.0441, 0, 1, "per year", "Leaving rate at burnout 0 (retirement, moves, career changes).",
         "fitted with the staff side (socius calibrate scenarios/calibration/staff.toml, docs/calibration.md section 7): turnover about 15.4% a year (DfE children's social work workforce census 2021)");
  t.real("burnout.leave_burnout", at(&Params::burnout, &Burnout::leave_burnout), 0.262, 0, 10, "per year", "Added leaving rate at burnout 1: weekly hazard (leave_base + leave_burnout B) / 52.",
         "fitted with the staff side (socius calibrate scenarios/calibration/staff.toml, docs/calibration.md section 7; prior 0.1-0.45 around a relative risk of leaving about 2): staff above burnout.threshold leave about twice as often as the rest, as burnt-out physicians did "
         "(Hamidi et al. 2018: relative risk of leaving within two years 2.1, 95% CI 1.3-3.3; Willard-Grace et al. 2019: odds ratio 1.57)");
  t.real("burnout.vacancy_weeks", at(&Params::burnout, &Burnout::vacancy_weeks), 58.4, 0, 1000, "weeks",
         "Mean time a vacated post stays vacant (exponential; 0: filled in the same week).",
         "fitted with the staff side (socius calibrate scenarios/calibration/staff.toml, docs/calibration.md section 7), prior 45-95 weeks around the steady-state identity vacancy rate = turnover x time to fill / (1 + turnover x time to fill) with turnover 15.4% and vacancy rate 17% "
         "(DfE children's social work workforce census 2021-2022; no national time-to-fill figure is published): 52 x 0.17 / (0.154 x 0.83) = 69 weeks");
  t.real("burnout.learning_weeks", at(&Params::burnout, &Burnout::learning_weeks), 52, 0, 520, "weeks",
         "Length of a newcomer's learning curve (0: none): capacity and relationship-building rate rise linearly from learning_start to full.",
         "Assessed and Supported Year in Employment (ASYE, Skills for Care): a newly qualified social worker's first year, with a protected caseload");
  t.real("burnout.learning_start", at(&Params::burnout, &Burnout::learning_start), 0.6, 0, 1, "share",
         "Share of full capacity and relationship-building rate on a newcomer's first week.",
         "assumption (ASYE guidance: a reduced, protected caseload in the first year; not quantified nationally)");
  t.real("burnout.collegial_contacts", at(&Params::burnout, &Burnout::collegial_contacts), 3, 0, 100, "contacts per week", "Mean weekly contacts of a professional with colleagues.", kAssumption);
  t.integer("burnout.colleagues", at(&Params::burnout, &Burnout::colleagues), 4, 0, 100, "ties", "Collegial ties each professional has within its team at setup and on arrival.", kAssumption);

  // ---- policies ----
  timed(t, "hubs", &Policy::hubs, "community hubs", "two_most_deprived_quintiles", kFixed, kFixed);
  t.real("policy.hubs.per_10000", at(&Params::policy, &Policy::hubs, &Hubs::per_10000), 3, 0, 1000, "hubs per 10,000 residents",
         "Hubs opened: round(per_10000 x residents / 10,000), shared among the targeted neighbourhoods (equal numbers, the remainder one each to the first in neighbourhood order); 3 is about one per neighbourhood of the two most deprived quintiles.",
         "scenario choice", kFixed);
  t.real("policy.hubs.activity", at(&Params::policy, &Policy::hubs, &Hubs::activity), 0.8, 0, 1, "", "Activity level of a hub at full strength.", kAssumption);
  t.real("policy.hubs.recruitment", at(&Params::policy, &Policy::hubs, &Hubs::recruitment), 0.15, 0, 1, "share of residents", "Share of a targeted neighbourhood's residents who join at full strength.", kAssumption);
  t.real("policy.hubs.isolated_bias", at(&Params::policy, &Policy::hubs, &Hubs::isolated_bias), 2.0, 0, 100, "", "Connectors favour lonely residents: join probability x (1 + isolated_bias L).", kAssumption);
  t.real("policy.hubs.uptake", at(&Params::policy, &Policy::hubs, &Hubs::uptake), 0.3, 0, 1, "probability",
         "Probability that an invited resident of the hub's own neighbourhood, of average sociability and trust 0.5, joins: p = uptake x [distance if in another neighbourhood of the area] x sociability x (1 + trust_effect (T - 0.5)), at most 1.",
         "assumption: no published uptake of a hub invitation (social prescribing evaluations are all at high risk of bias: Bickerdike et al. 2017); sweep it");
  t.real("policy.hubs.distance", at(&Params::policy, &Policy::hubs, &Hubs::distance), 0.4, 0, 1, "factor",
         "Uptake factor for residents of the hub's area who live in another neighbourhood (farther from the hub).", kAssumption);
  t.real("policy.hubs.trust_effect", at(&Params::policy, &Policy::hubs, &Hubs::trust_effect), 1.0, 0, 2, "per unit of trust",
         "Uptake rises with generalised trust: factor 1 + trust_effect (T - 0.5).", kAssumption);
  t.real("policy.hubs.cost_per_hub_year", at(&Params::policy, &Policy::hubs, &Hubs::cost_per_hub_year), 45000, 0, 1e9, "GBP per hub-year",
         "Running cost of a hub while it is open (a connector and the venue), paid weekly (1/52) for every hub open.",
         "assumption: one community connector at about 0.6 of a professional post-year (budget.cost_per_post_year, PSSRU) plus venue hire; range 25,000-80,000");
  t.real("policy.hubs.cost_per_hub_opened", at(&Params::policy, &Policy::hubs, &Hubs::cost_per_hub_opened), 50000, 0, 1e9, "GBP per hub",
         "One-off cost of opening a hub (fit-out, equipment, launch), paid in the policy's first active week for each hub opened.",
         "assumption (no published costing of a neighbourhood hub's fit-out); range 10,000-150,000");
  timed(t, "befriending", &Policy::befriending, "befriending and social prescribing", "older_isolated", Fixed::No, Fixed::No);
  t.real("policy.befriending.places", at(&Params::policy, &Policy::befriending, &Befriending::places), 20, 0, 10000, "matches per 10,000 residents", "Befriending matches running at once at full strength.", "scenario choice");
  t.real("policy.befriending.weight", at(&Params::policy, &Policy::befriending, &Befriending::weight), 0.5, 0.0001, 1, "weight", "Strength of the new tie between befriender and befriended; the tie is held at no more than this while the match runs (a bounded, formal relationship).", kAssumption);
  t.real("policy.befriending.introduce", at(&Params::policy, &Policy::befriending, &Befriending::introduce), 0.5, 0, 1, "probability", "Probability that a befriended resident is introduced to a community focus; the membership lapses when the match ends unless the tie is kept (the same draw as keep).", kAssumption);
  t.real("policy.befriending.match_weeks", at(&Params::policy, &Policy::befriending, &Befriending::match_weeks), 26, 1, 100000, "weeks", "Mean length of a befriending match (exponential); the tie then goes on as an ordinary tie with probability keep, else it is removed.", "Befriending Networks guidance: matches typically last 6-12 months");
  t.real("policy.befriending.age", at(&Params::policy, &Policy::befriending, &Befriending::age), 65, 16, 120, "years", "Minimum age of 'older' residents.", "Age UK convention");
  t.real("policy.befriending.cost_per_match_year", at(&Params::policy, &Policy::befriending, &Befriending::cost_per_match_year), 1000, 0, 1e7, "GBP per match-year",
         "Cost of a befriending match while it runs (volunteer recruitment, checks, training and expenses, the coordinator's supervision), paid weekly (1/52) for every match running; places left empty cost nothing.",
         "assumption: a volunteer coordinator (about one post-year, budget.cost_per_post_year) supervises about 60-80 running matches, plus volunteer expenses; sweep 500-2,000");
  t.real("policy.befriending.take_up", at(&Params::policy, &Policy::befriending, &Befriending::take_up), 0.6, 0, 1, "probability",
         "Probability that an offered resident accepts a befriender (a trait drawn once per run: one who declines keeps declining).",
         "Charlesworth et al. 2008 (BECCA RCT): befriending was not taken up by all of the offered arm; Mountain et al. 2014 (PLINY pilot RCT): 24 of the offered arm (70 randomised) received it; about 0.6-0.7");
  t.real("policy.befriending.drop_out", at(&Params::policy, &Policy::befriending, &Befriending::drop_out), 0.2, 0, 1, "probability per match",
         "Probability that a new match breaks down after its first week (the pair does not get on, or the volunteer leaves).",
         "assumption: schemes report matches that do not work and volunteer turnover (Jopling & Jones 2021, Understanding befriending; Mountain et al. 2014) but no rate");
  t.real("policy.befriending.keep", at(&Params::policy, &Policy::befriending, &Befriending::keep), 0.3, 0, 1, "probability per match",
         "Probability that the tie of a match that ends (other than by a breakdown) goes on as an ordinary tie; otherwise the pair lose touch and the tie is removed.",
         "assumption: befriending relationships are bounded and mostly end with the match, though some continue as friendships (Jopling & Jones 2021); no published rate");
  t.real("policy.befriending.contact", at(&Params::policy, &Policy::befriending, &Befriending::contact), 0.5, 0, 1, "probability per week",
         "Probability that a befriended resident and their befriender are in contact in a week while the match runs.",
         "assumption: befriending is regular one-to-one contact (Jopling & Jones 2021, Understanding befriending) with no published frequency distribution; 0.5 = a contact every other week on average");
  timed(t, "relational_practice", &Policy::relational_practice, "relational practice", "all", kFixed, kFixed);
  t.real("policy.relational_practice.extra_posts", at(&Params::policy, &Policy::relational_practice, &RelationalPractice::extra_posts), 0.2, 0, 10, "share of posts", "Extra posts funded in targeted teams, as a share of their posts (rounded in total; smaller caseloads).", "scenario choice", kFixed);
  t.real("policy.relational_practice.continuity", at(&Params::policy, &Policy::relational_practice, &RelationalPractice::continuity), 0.8, 0, 1, "share", "Reduction of routine reassignment (continuity of worker).", "scenario choice");
  t.real("policy.relational_practice.training", at(&Params::policy, &Policy::relational_practice, &RelationalPractice::training), 0.1, 0, 10, "share",
         "Relationship building speeds up by this share (training in relational and communication skills).",
         "trials of training clinicians in empathy and communication find a small effect on the patient-rated relationship: Riess et al. 2012 (RCT, 99 residents, "
         "three 60-minute modules: patient-rated CARE empathy +2.2 points against controls on a 10-50 scale, P = 0.04); Johnson et al. 2013 (3-day course, 21 "
         "professionals, 1,103 patients: no significant change in patient-rated CARE); Dwamena et al. 2012 (Cochrane, 43 RCTs of patient-centred care training: "
         "consultations change, patient satisfaction mixed); Howick et al. 2018 (7 RCTs of empathic consultations: SMD 0.18, 95% CI 0.03-0.32). 0.1 gives "
         "training alone an SMD of about +0.10 on relationship quality at 52 weeks in the virtual trial (docs/model.md, \"Virtual trials\"); range 0-0.25 (0.25 alone: about +0.16, near Howick's 0.18)");
  t.real("policy.relational_practice.cost_per_trained", at(&Params::policy, &Policy::relational_practice, &RelationalPractice::cost_per_trained), 1500, 0, 1e7, "GBP per professional",
         "One-off cost of training a professional in relational practice, paid when a professional first works in a targeted team while the policy runs (those in post at the start, then every newcomer). Extra posts cost budget.cost_per_post_year per post-year filled; vacant posts cost nothing.",
         "assumption: three days' training (about 22 hours at the PSSRU cost of a social worker's hour, about 40 GBP, 2013/14 prices: Curtis 2014) plus a trainer's fee; range 500-3,000");
  timed(t, "collaboration", &Policy::collaboration, "local collaboration", "all", Fixed::No, kFixed);
  t.real("policy.collaboration.ties", at(&Params::policy, &Policy::collaboration, &Collaboration::ties), 3, 0, 100, "ties per professional", "Cross-service collegial ties formed per professional in targeted areas.", "scenario choice");
  t.real("policy.collaboration.weight", at(&Params::policy, &Policy::collaboration, &Collaboration::weight), 0.5, 0.0001, 1, "weight", "Initial strength of a cross-service collegial tie.", kAssumption);
  t.real("policy.collaboration.cost_per_professional", at(&Params::policy, &Policy::collaboration, &Collaboration::cost_per_professional), 1000, 0, 1e7, "GBP per professional",
         "One-off cost for each professional who takes part (in post in a collaborating area during the ramp-up, when the ties form): facilitated joint sessions and the time in them.",
         "assumption: about 15 hours of joint sessions at the PSSRU cost of a social worker's hour (about 40 GBP, 2013/14 prices: Curtis 2014) plus facilitation; range 300-3,000");
  t.real("policy.collaboration.cost_per_team_year", at(&Params::policy, &Policy::collaboration, &Collaboration::cost_per_team_year), 0, 0, 1e9, "GBP per team-year",
         "Running cost of coordination for each team in a collaborating area while the policy runs (0: the ties, once formed, live on ordinary collegial contact, as they do in the model).",
         "scenario choice; the model has no mechanism that continuing coordination would buy");
  t.boolean("policy.reorganisation.enabled", at(&Params::policy, &Policy::reorganisation, &Reorganisation::enabled), false, "Switches the structural reorganisation on.", "scenario choice");
  t.integer("policy.reorganisation.time", at(&Params::policy, &Policy::reorganisation, &Reorganisation::time), 26, -100000, 100000, "weeks", "Policy week at which the reorganisation happens.", "scenario choice");
  t.real("policy.reorganisation.reassign", at(&Params::policy, &Policy::reorganisation, &Reorganisation::reassign), 0.5, 0, 1, "share of clients", "Share of clients moved to a new professional.", "scenario choice");
  t.real("policy.reorganisation.break_collegial", at(&Params::policy, &Policy::reorganisation, &Reorganisation::break_collegial), 0.5, 0, 1, "share of ties", "Share of collegial ties broken.", "scenario choice");
  t.boolean("policy.reorganisation.merge_teams", at(&Params::policy, &Policy::reorganisation, &Reorganisation::merge_teams), true, "Teams of neighbouring areas merge (pairs of areas share one team of each service).", "scenario choice");
  t.integer("policy.reorganisation.transition", at(&Params::policy, &Policy::reorganisation, &Reorganisation::transition), 104, 0, 100000, "weeks", "Length of the transition period (capacity lost, stress).",
            "Fulop et al. 2002: NHS trust mergers delayed service developments by at least 18 months; 104 weeks (24 months) within 18-30 months");
  t.real("policy.reorganisation.capacity_lost", at(&Params::policy, &Policy::reorganisation, &Reorganisation::capacity_lost), 0.2, 0, 1, "share", "Capacity lost per professional during the transition.", "scenario choice");
  t.real("policy.reorganisation.stress", at(&Params::policy, &Policy::reorganisation, &Reorganisation::stress), 0.005, 0, 1, "per week", "Burnout added per week during the transition.", kAssumption);
  t.real("policy.reorganisation.efficiency_gain", at(&Params::policy, &Policy::reorganisation, &Reorganisation::efficiency_gain), 0.15, 0, 10, "share", "Capacity per professional rises by this share after the transition (the promise).", "scenario choice");
  t.real("policy.reorganisation.delivered", at(&Params::policy, &Policy::reorganisation, &Reorganisation::delivered), 0.52, 0, 1, "share",
         "Share of the promised efficiency gain delivered after the transition: capacity rises by delivered x efficiency_gain.",
         "Fulop et al. 2002: merger savings were 36-69% of target (midpoint 0.52)");
  t.real("policy.reorganisation.cost_one_off", at(&Params::policy, &Policy::reorganisation, &Reorganisation::cost_one_off), 0, 0, 1e12, "GBP",
         "Fixed programme cost of the reorganisation (programme team, consultants, IT), paid at its time, uplifted by optimism_bias.", "scenario choice (see scenarios/)");
  t.choice("policy.reorganisation.gain", at(&Params::policy, &Policy::reorganisation, &Reorganisation::gain), "capacity", {"capacity", "savings"},
           "How the delivered gain g = delivered x efficiency_gain is credited, once, after the transition: \"capacity\" raises capacity per professional by g (no savings); \"savings\" cuts posts by the share g / (1 + g) (vacant posts first) and raises capacity per professional by g, so the service's total capacity stays as before, and the cut posts' cost is realised as savings.",
           "scenario choice (issue 16: the promised gain is credited once)");
  t.real("policy.reorganisation.cost_per_staff", at(&Params::policy, &Policy::reorganisation, &Reorganisation::cost_per_staff), 10000, 0, 1e7, "GBP per member of staff",
         "One-off cost per professional in post at the reorganisation (consultation, HR, relocation, IT and management time), uplifted by optimism_bias.",
         "assumption: NAO 2013 (Managing the transition to the reformed health system) put the 2012 NHS reorganisation at 1.1bn GBP to March 2013, 40% of it redundancy; the rest is not published per member of staff affected; range 3,000-25,000");
  t.real("policy.reorganisation.cost_per_redundancy", at(&Params::policy, &Policy::reorganisation, &Reorganisation::cost_per_redundancy), 43095, 0, 1e7, "GBP per redundancy",
         "Cost of each filled post cut when the reorganisation takes its gain as savings (a vacant post cut costs nothing).",
         "National Audit Office 2013, Managing the transition to the reformed health system: about 10,000 staff made redundant at an average 43,095 GBP each");
  t.real("policy.reorganisation.optimism_bias", at(&Params::policy, &Policy::reorganisation, &Reorganisation::optimism_bias), 0.41, 0, 3, "share",
         "Uplift of the reorganisation's one-off costs (per member of staff and fixed programme cost; not redundancies, which follow a formula) for optimism bias. The benefit shortfall is the empirical `delivered` (Fulop et al. 2002), so it is not applied to the gain a second time.",
         "HM Treasury Green Book supplementary guidance on optimism bias (Mott MacDonald 2002): upper bounds 24% for the capital cost of standard buildings and 41% for operating expenditure; a reorganisation's one-off cost is mostly staff time and services, so 41%; range 0.1-2.0 (200%: equipment and development projects)");
  t.real("budget.total", at(&Params::budget, &Budget::total), 0, 0, 1e13, "GBP",
         "The scenario's budget over the horizon; when positive, the planned spend of its policies must not exceed it (0: no check).", "scenario choice");
  t.real("budget.total_pv", at(&Params::budget, &Budget::total_pv), 0, 0, 1e13, "GBP (present value)",
         "The scenario's budget over the horizon in present value at appraisal.discount_rate (for budget.population residents when that is positive); when positive, the planned present-value spend of its policies must not exceed it, or, with budget.size, the programme is sized to it (0: no check).",
         "scenario choice; present value as HM Treasury Green Book 2022", kFixed);
  t.real("budget.population", at(&Params::budget, &Budget::population), 0, 0, 1e10, "residents",
         "Residents budget.total_pv is stated for: the budget used is total_pv x simulation.population / population, so a scenario is the same borough at any size (0: total_pv at any population).",
         "scenario choice", kFixed);
  t.boolean("budget.size", at(&Params::budget, &Budget::size), false,
            "Size the programme to the budget: the scaled quantities (befriending places, hubs per 10,000 residents, relational practice's extra posts) are multiplied by the largest factor k whose planned present-value spend does not exceed the budget, befriending places never above their expected demand (the rest goes to hubs and posts; docs/model.md, \"Costs and appraisal\").",
            "scenario choice", kFixed);
  t.real("budget.planned_turnover", at(&Params::budget, &Budget::planned_turnover), 0.154, 0, 1, "leavers per post per year",
         "Staff turnover the plan assumes when it counts newcomers to train (relational practice, collaboration), professionals in post (vacancy rate T w / (1 + T w), w = burnout.vacancy_weeks / 52) and extra posts filled.",
         "DfE children's social work workforce census 2021: turnover 15.4%");
  t.real("budget.cost_per_post_year", at(&Params::budget, &Budget::cost_per_post_year), 62000, 0, 1e7, "GBP per post-year",
         "Cost of a professional post-year filled (salary, on-costs, overheads, capital): relational practice's extra posts, and the savings of a post cut by a reorganisation.",
         "PSSRU Unit Costs of Health and Social Care 2014 (Curtis): a children's social worker costs about 40 GBP per hour including on-costs, overheads and capital (2013/14 prices), x about 1,550 working hours a year = about 62,000; not uprated; range 50,000-90,000");
  t.real("budget.befriending_eligible", at(&Params::budget, &Budget::befriending_eligible), 152, 0, 10000, "residents per 10,000",
         "Residents the plan expects in befriending's target group (policy.befriending.age or older, often lonely or without a close tie) when the policy starts, per 10,000 residents of the targeted quintiles; times take_up, they are matched as places allow. The plan's befriending spend and, with budget.size, the cap on places follow this demand (docs/model.md, \"Costs and appraisal\").",
         "calibrated (docs/model.md, \"Costs and appraisal\"): 152 measured in this model (the defaults refitted on the age-aligned population, 2026-12-01) at the end of the 780-week burn-in (10,000 residents, seed 1; test \"befriending demand ..., measured\"); re-measure after recalibrating loneliness or ties; range 100-200", kFixed);
  t.real("budget.befriending_inflow", at(&Params::budget, &Budget::befriending_inflow), 95, 0, 10000, "residents per 10,000 per year",
         "Residents the plan expects to enter befriending's target group for the first time after the policy starts, per 10,000 residents of the targeted quintiles a year (they are offered a place as they enter; each resident is matched once).",
         "calibrated (docs/model.md, \"Costs and appraisal\"): fitted (95.0) so that the plan, with 152 eligible at the start, gives the 13,294 match-weeks measured over ten years with places that never bind (10,000 residents, seed 1, the defaults refitted on the age-aligned population, 2026-12-01; test \"befriending demand ..., measured\"); range 50-130", kFixed);

  // ---- appraisal (discounting) ----
  t.real("appraisal.discount_rate", at(&Params::appraisal, &Appraisal::discount_rate), 0.035, 0, 0.2, "per year",
         "Discount rate of costs, savings and service outcomes: a flow in the step ending at policy week t counts (1 + rate)^(-t/52) of its value (cost_pv, savings_pv, *_pv counts).",
         "HM Treasury Green Book 2022: social time preference rate 3.5% a year for the first 30 years");
  t.real("appraisal.health_discount_rate", at(&Params::appraisal, &Appraisal::health_discount_rate), 0.015, 0, 0.2, "per year",
         "Discount rate of health and wellbeing effects: lonely person-years (lonely_years_pv).",
         "HM Treasury Green Book 2022: 1.5% a year for health and life values (the 3.5% rate without its wealth effect: pure time preference 0.5% + catastrophe risk 1.0%); Wellbeing guidance for appraisal 2021 applies it to wellbeing effects");

  // ---- indicators ----
  t.integer("indicators.component_every", at(&Params::indicators, &Indicators::component_every), 13, 1, 1000000, "steps",
            "largest_component_share is computed when policy time is a multiple of this (NaN otherwise; it is a whole-graph pass).", "socius convention");
  t.integer("indicators.clustering_sample", at(&Params::indicators, &Indicators::clustering_sample), 2000, 0, 100000000, "residents",
            "Residents per group sampled (deterministically, evenly spaced) for the clustering coefficient.", "socius convention");
  t.integer("indicators.clustering_every", at(&Params::indicators, &Indicators::clustering_every), 13, 1, 1000000, "steps",
            "clustering is computed when policy time is a multiple of this (NaN otherwise): its sample's neighbour look-ups were about 2% of a recorded step at 100,000 residents (benchmarks/NOTES.md); 1 gives every recorded step.",
            "socius convention (the largest component's schedule)");
  return t;
}

[[noreturn]] void invalid(const std::string& key, const std::string& value, const std::string& allowed) {
  throw ScenarioError("key '" + key + "' = " + value + ": " + allowed);
}

/// budget.size (docs/model.md, "Costs and appraisal"): multiplies the scaled quantities
/// (befriending places, hubs per 10,000 residents and relational practice's extra posts, each
/// rounded to whole units where the model rounds them) by the largest factor k whose planned present-value spend does not exceed the
/// budget, found by bisection (the plan is monotone in k). Refused, naming the key, when the
/// fixed parts alone exceed the budget or nothing can be scaled.
void size_to_budget(Params& p) {
  const double budget = budget_pv(p);
  if (!(budget > 0)) invalid("budget.size", "true", "sizing needs a budget: set budget.total_pv > 0, or budget.size = false");
  const Params base = p;
  const bool hubs = base.policy.hubs.enabled && base.policy.hubs.per_10000 > 0;
  const bool bef = base.policy.befriending.enabled && base.policy.befriending.places > 0;
  const bool rp = base.policy.relational_practice.enabled && base.policy.relational_practice.extra_posts > 0;
  if (!hubs && !bef && !rp) {
    invalid("budget.size", "true",
            "nothing to size: enable hubs (per_10000 > 0), befriending (places > 0) or relational practice (extra_posts > 0), or set budget.size = false");
  }
  // Befriending places are capped at the expected peak demand (Plan::demand, per 10,000
  // residents): a place nobody fills buys nothing, so the budget goes to hubs and posts instead.
  const double R = static_cast<double>(p.simulation.population);
  const double cap = bef ? plan(base).demand * 10000.0 / R : 0.0;
  auto scaled = [&](double k) {
    Params q = base;
    if (hubs) q.policy.hubs.per_10000 = k * base.policy.hubs.per_10000;
    if (bef) q.policy.befriending.places = std::min(cap, k * base.policy.befriending.places);
    if (rp) q.policy.relational_practice.extra_posts = k * base.policy.relational_practice.extra_posts;
    return q;
  };
  auto cost = [&](double k) { return plan(scaled(k)).total_pv(); };
  if (cost(0.0) > budget) {
    std::ostringstream os;
    os.setf(std::ios::fixed);
    os.precision(0);
    os << "the fixed parts alone plan to spend " << cost(0.0) << " GBP in present value, above the budget of " << budget
       << "; allowed: a larger budget.total_pv, smaller fixed costs, or budget.size = false";
    invalid("budget.total_pv", format_number(p.budget.total_pv), os.str());
  }
  // The largest k with cost(k) <= budget, by bisection on the monotone plan.
  const auto largest = [&](const auto& cost_of) {
    double lo = 0.0, hi = 1.0;
    while (cost_of(hi) <= budget && hi < 1e6) {
      lo = hi;
      hi *= 2.0;
    }
    for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; ++i) {
      const double mid = 0.5 * (lo + hi);
      (cost_of(mid) <= budget ? lo : hi) = mid;
    }
    return lo;
  };
  // Stage 1: every scaled quantity by one factor. Hubs and posts come in whole units, so the
  // plan jumps where one more is rounded in; stage 2 then spends what is left on befriending
  // places (continuous), the whole units held. The remainder is less than one unit: one hub or
  // one post when befriending is off, a negligible amount when it is on.
  const double k = largest(cost);
  p = scaled(k);
  if (bef && p.policy.befriending.places < cap) {
    const Params held = p;
    const auto more_places = [&](double m) {
      Params q = held;
      q.policy.befriending.places = std::min(cap, m * held.policy.befriending.places);
      return plan(q).total_pv();
    };
    const double m = largest(more_places);
    p.policy.befriending.places = std::min(cap, m * held.policy.befriending.places);
  }
  p.budget.size = base.budget.size;
}

}  // namespace

const ParameterTable<Params>& parameter_table() {
  static const Table table = build_table();
  return table;
}

/// Policy keys (ParameterSpec::policy): the interventions (policy.*), the budget they are sized
/// to (budget.*) and the discounting of the appraisal (appraisal.*). Nothing reads them before
/// policy time 0 (Model::start: the policies' own setup, policies.cpp; costs, outcomes and lonely
/// years count from t >= 1), so the options of an appraisal continue one burnt-in state. Except
/// relational practice's extra posts, which setup adds to the population: Community::reconfigure
/// refuses parameters that change them.
static bool is_policy_key(const std::string& key) {
  for (const char* prefix : {"policy.", "budget.", "appraisal."}) {
    if (key.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

ParameterSchema community_schema() {
  const ParameterSchema table = parameter_table().schema();
  ParameterSchema out;
  for (ParameterSpec spec : table.specs()) {
    spec.policy = is_policy_key(spec.key);
    out.add(std::move(spec));
  }
  return out;
}

Params read_params(const ParameterSet& set) {
  Params p;
  p.simulation.population = set.integer("simulation.population");
  p.simulation.steps = set.integer("simulation.steps");
  parameter_table().read(set, p);

  // ---- combinations the schema cannot check ----
  double mix = 0;
  for (double x : p.structure.household) mix += x;
  if (std::abs(mix - 1.0) > 1e-6) {
    invalid("structure.household_*", "shares summing to " + format_number(mix), "the five household shares must sum to 1");
  }
  double ages = 0;
  for (double x : p.structure.age_share) ages += x;
  if (std::abs(ages - 1.0) > 1e-6) {
    invalid("structure.age_16_24 .. structure.age_75_plus", "shares summing to " + format_number(ages),
            "the seven adult age shares (age_16_24, age_25_34, age_35_44, age_45_54, age_55_64, age_65_74, age_75_plus) must sum to 1 (within 1e-6)");
  }
  const auto quoted = [&](const std::string& k) { return "\"" + set.text(k) + "\""; };
  const Policy& policy = p.policy;
  if (policy.hubs.target == Target::OlderIsolated) {
    invalid("policy.hubs.target", quoted("policy.hubs.target"),
            "hubs open in neighbourhoods: allowed \"all\", \"most_deprived_quintile\", \"two_most_deprived_quintiles\"");
  }
  if (policy.collaboration.target == Target::OlderIsolated) {
    invalid("policy.collaboration.target", quoted("policy.collaboration.target"),
            "collaboration is between teams serving areas: allowed \"all\", \"most_deprived_quintile\", \"two_most_deprived_quintiles\"");
  }
  if (policy.relational_practice.target == Target::OlderIsolated) {
    invalid("policy.relational_practice.target", quoted("policy.relational_practice.target"),
            "relational practice changes teams serving areas: allowed \"all\", \"most_deprived_quintile\", \"two_most_deprived_quintiles\"");
  }
  if (p.ties.demote_threshold > p.ties.friend_threshold) {
    invalid("ties.demote_threshold", format_number(p.ties.demote_threshold),
            "must not exceed ties.friend_threshold (" + format_number(p.ties.friend_threshold) + ")");
  }
  const std::pair<const char*, const TimedPolicy*> timed_policies[] = {
      {"hubs", &policy.hubs}, {"befriending", &policy.befriending}, {"relational_practice", &policy.relational_practice},
      {"collaboration", &policy.collaboration}};
  for (const auto& [name, tp] : timed_policies) {
    if (tp->enabled && tp->ramp_up > tp->duration) {
      invalid(std::string("policy.") + name + ".ramp_up", std::to_string(tp->ramp_up),
              "must not exceed policy." + std::string(name) + ".duration (" + std::to_string(tp->duration) + ")");
    }
  }
  if (policy.reorganisation.enabled && policy.reorganisation.time < 0) {
    invalid("policy.reorganisation.time", std::to_string(policy.reorganisation.time), "a policy acts after burn-in: allowed 0 or more");
  }
  if (p.budget.size) size_to_budget(p);
  const auto money = [](double x) {
    std::ostringstream os;
    os.setf(std::ios::fixed);
    os.precision(0);
    os << x;
    return os.str();
  };
  if (p.budget.total_pv > 0 && !p.budget.size) {
    const double planned = plan(p).total_pv();
    const double budget = budget_pv(p);
    if (planned > budget * (1.0 + 1e-9)) {
      invalid("budget.total_pv", money(p.budget.total_pv),
              "the enabled policies plan to spend " + money(planned) + " GBP in present value over the horizon of " + std::to_string(p.simulation.steps) +
                  " weeks, above the budget of " + money(budget) + " for " + std::to_string(p.simulation.population) +
                  " residents; allowed: at most the budget; or set budget.size = true to size the programme to it, raise budget.total_pv, or 0 for no check");
    }
  }
  if (p.budget.total > 0) {
    const double planned = planned_spend(p, p.simulation.steps);
    if (planned > p.budget.total * (1.0 + 1e-9)) {
      invalid("budget.total", money(p.budget.total),
              "the enabled policies plan to spend " + money(planned) + " GBP over the horizon of " + std::to_string(p.simulation.steps) +
                  " weeks; allowed: at most the budget, or raise budget.total, or 0 for no check");
    }
  }
  return p;
}

}  // namespace socius::models::community

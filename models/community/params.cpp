// Every parameter of the community model: name, unit, default, allowed range, description and
// source. docs/model.md's parameter table is generated from this schema
// (build/release/benchmarks/community_doc, see docs/model.md).
#include <cmath>
#include <sstream>

#include "params.hpp"
#include "socius/errors.hpp"

namespace socius::models::community {

namespace {

constexpr const char* kCalibrated = "calibrated: see docs/model.md, Calibration";
constexpr const char* kAssumption = "assumption (no published estimate; sweep it)";
const std::vector<std::string> kTargets = {"all", "most_deprived_quintile", "two_most_deprived_quintiles",
                                           "older_isolated"};

void timed(ParameterSchema& s, const std::string& name, const std::string& what, const std::string& target,
           double one_off, double per_year) {
  const std::string k = "policy." + name + ".";
  s.boolean(k + "enabled", false, "Switches the " + what + " intervention on.", "scenario choice");
  s.integer(k + "start", 0, -100000, 100000, "weeks", "Policy week at which the " + what + " starts (0 = end of burn-in).", "scenario choice");
  s.integer(k + "duration", 520, 0, 100000, "weeks", "How long the " + what + " runs.", "scenario choice");
  s.integer(k + "ramp_up", 26, 0, 100000, "weeks", "Weeks over which the " + what + " reaches full strength (linear).", "scenario choice");
  s.choice(k + "target", target, kTargets, "Which neighbourhoods or residents the " + what + " reaches.", "scenario choice");
  s.real(k + "cost_one_off", one_off, 0, 1e12, "GBP", "One-off cost of the " + what + ", paid at its start.", "scenario choice (see scenarios/)");
  s.real(k + "cost_per_year", per_year, 0, 1e12, "GBP per year", "Running cost of the " + what + " while it runs.", "scenario choice (see scenarios/)");
}

}  // namespace

ParameterSchema community_schema() {
  ParameterSchema s;
  // ---- structure ----
  s.real("structure.neighbourhood_size", 1500, 100, 100000, "residents",
         "Residents per neighbourhood (deprivation quintiles are assigned to neighbourhoods in equal numbers).",
         "ONS: Lower Layer Super Output Areas hold 1,000-3,000 residents, about 1,500 on average");
  s.real("structure.workplace_size", 20, 2, 10000, "workers",
         "Mean size of a workplace focus (the people one works alongside, not the whole employer).", kAssumption);
  s.real("structure.college_size", 300, 10, 100000, "students", "Students per college focus (16+ education).", kAssumption);
  s.integer("structure.community_foci", 4, 0, 100, "foci per neighbourhood",
            "Clubs, faith groups, libraries and similar places per neighbourhood.", kAssumption);
  s.real("structure.community_membership", 0.35, 0, 1, "share of residents",
         "Share of residents who belong to one community focus (higher with sociability).",
         "Community Life Survey 2021/22: about a third take part in a group, club or organisation monthly (rounded)");
  s.real("structure.activity_work", 0.6, 0, 1, "", "Activity level of workplaces: scales how often members meet someone new there.", kAssumption);
  s.real("structure.activity_college", 0.8, 0, 1, "", "Activity level of colleges.", kAssumption);
  s.real("structure.activity_school_gate", 0.5, 0, 1, "", "Activity level of school gates and nurseries.", kAssumption);
  s.real("structure.activity_community", 0.5, 0, 1, "", "Activity level of community foci.", kAssumption);
  s.real("structure.activity_neighbourhood", 0.2, 0, 1, "", "Activity level of the neighbourhood itself as a focus everyone shares (the street, shops, parks).", kAssumption);
  s.real("structure.household_one_person", 0.30, 0, 1, "share of households", "Share of households with one adult and no young child.",
         "ONS Families and Households 2023: 30% of households are one person");
  s.real("structure.household_couple", 0.30, 0, 1, "share of households", "Couples without dependent children.",
         "ONS Families and Households 2023 (rounded)");
  s.real("structure.household_couple_children", 0.19, 0, 1, "share of households", "Couples with dependent children.",
         "ONS Families and Households 2023 (rounded)");
  s.real("structure.household_lone_parent", 0.07, 0, 1, "share of households", "Lone parents with dependent children.",
         "ONS Families and Households 2023 (rounded)");
  s.real("structure.household_shared", 0.14, 0, 1, "share of households",
         "Other multi-adult households (sharers, adult children with parents).", "ONS Families and Households 2023 (remainder)");
  s.real("structure.young_child_share", 0.42, 0, 1, "share of families",
         "Share of families with dependent children whose youngest child is under 5 (these adults are 'parents').",
         "ONS Families and Households (about 4 in 10 families with dependent children have a child under 5; rounded)");
  s.real("structure.older_one_person_share", 0.5, 0, 1, "share", "Share of one-person households whose resident is 65 or older.",
         "ONS Families and Households 2023: about half of people living alone are 65+ (rounded)");
  s.real("structure.older_couple_share", 0.5, 0, 1, "share", "Share of couples without children aged 55-90.", kAssumption);
  s.real("structure.employment_rate_q1", 0.66, 0, 1, "share of working-age adults",
         "Employment rate of working-age adults not in education in the most deprived quintile (interpolated linearly to q5).",
         "ONS Annual Population Survey; English Indices of Deprivation employment domain (rounded)");
  s.real("structure.employment_rate_q5", 0.82, 0, 1, "share of working-age adults", "Employment rate in the least deprived quintile.",
         "ONS Annual Population Survey (rounded)");
  s.real("structure.unemployment_share", 0.25, 0, 1, "share of those not employed",
         "Share of working-age adults without work who are unemployed (seeking work) rather than inactive.",
         "ONS Labour Force Survey: about 1.4m unemployed vs 9m inactive aged 16-64, excluding students (rounded)");
  s.integer("structure.kin_outside", 2, 0, 20, "ties", "Mean number of kin ties to residents of other households (Poisson).", kAssumption);
  s.real("structure.family_away", 2.0, 0, 50, "relatives", "Mean number (Poisson) of close relatives living outside the simulated area; they are not agents but phone or visit.", kCalibrated);
  s.real("contact.family_away_weekly", 0.6, 0, 1, "probability per relative per week", "Chance that each relative living elsewhere is in contact in a week (counts as a contact received).", kCalibrated);
  s.real("structure.initial_friends", 5, 0, 100, "ties per resident", "Friend ties drawn at setup from each resident's foci (the burn-in then finds the steady state).", "socius convention");
  s.real("structure.initial_acquaintances", 4, 0, 100, "ties per resident", "Acquaintance ties drawn at setup from each resident's foci.", "socius convention");

  // ---- contact ----
  s.real("contact.mean", 9, 0, 200, "contacts per week",
         "Mean weekly social contacts of a resident of average sociability (Poisson).", kCalibrated);
  s.real("contact.sociability_shape", 3, 0.1, 100, "", "Shape of the gamma distribution (mean 1) of sociability.", kCalibrated);
  s.real("contact.withdrawal", 0.6, 0, 1, "share of budget",
         "Reduction of the contact budget at loneliness 1: budget *= 1 - withdrawal * L.",
         "Cacioppo & Hawkley (2009), Cacioppo et al. (2009): lonely people withdraw; size " + std::string(kAssumption));
  s.real("contact.parent_time", 0.4, 0, 1, "factor", "Contact budget multiplier for parents of young children (time pressure).", kCalibrated);
  s.real("contact.age75_factor", 0.75, 0, 2, "factor", "Contact budget multiplier at 75 and over.", kCalibrated);
  s.real("contact.young_factor", 1.1, 0, 2, "factor", "Contact budget multiplier at 16-24.", kAssumption);
  s.real("contact.new_share", 0.06, 0, 1, "share of contacts",
         "Share of contacts spent meeting someone new at one of one's foci (focal closure).", "Feld (1981) focus theory; size calibrated");
  s.real("contact.random_meeting", 0.02, 0, 10, "meetings per week", "Rate of chance meetings with a stranger in one's neighbourhood.", kAssumption);

  // ---- ties ----
  const char* names[5] = {"kin", "friend", "acquaintance", "service", "collegial"};
  const double deltas[5] = {0.25, 0.25, 0.2, 0.0, 0.2};
  const double decays[5] = {0.01, 0.025, 0.06, 0.0, 0.03};
  for (int t = 0; t < 5; ++t) {
    if (t == 3) continue;  // service ties follow the services system
    s.real(std::string("ties.delta_") + names[t], deltas[t], 0, 1, "per use",
           std::string("Reinforcement of a used ") + names[t] + " tie: w += delta (1 - w).", "MODEL.md default form; size " + std::string(kCalibrated));
    s.real(std::string("ties.decay_") + names[t], decays[t], 0, 10, "per week",
           std::string("Decay rate of an unused ") + names[t] + " tie: w *= exp(-decay).",
           "Burt (2000), 'Decay functions': weak and new ties decay fastest; size " + std::string(kCalibrated));
  }
  s.real("ties.floor", 0.05, 0, 1, "weight", "A non-kin tie weaker than this is lost.", kAssumption);
  s.real("ties.kin_floor", 0.1, 0.0001, 1, "weight", "Kin ties never fall below this (dormant, not lost).", kAssumption);
  s.real("ties.friend_threshold", 0.5, 0, 1, "weight", "An acquaintance tie this strong becomes a friend tie.", kAssumption);
  s.real("ties.demote_threshold", 0.2, 0, 1, "weight", "A friend tie this weak becomes an acquaintance tie.", kAssumption);
  s.real("ties.new_weight", 0.15, 0.0001, 1, "weight", "Strength of a new tie.", kAssumption);
  s.real("ties.close_threshold", 0.5, 0, 1, "weight", "A kin or friend tie at least this strong is a close tie.", "socius convention");

  // ---- formation ----
  s.real("formation.accept", 0.6, 0, 1, "probability", "Base probability that a meeting becomes a tie (before homophily, trust, capacity).", kCalibrated);
  s.real("formation.triadic", 0.04, 0, 1, "per contact",
         "Probability that a contact with a tie of strength w leads to an introduction to one of their ties, times w.",
         "Granovetter (1973); Davidsen et al. (2002): triadic closure; size " + std::string(kCalibrated));
  s.real("formation.age_scale", 15, 0.1, 1000, "years", "Homophily: acceptance *= exp(-|age difference| / age_scale).",
         "McPherson, Smith-Lovin & Cook (2001) homophily; scale " + std::string(kAssumption));
  s.real("formation.other_neighbourhood", 0.6, 0, 1, "factor", "Acceptance multiplier when the two live in different neighbourhoods.", kAssumption);
  s.real("formation.trust_effect", 1.0, 0, 2, "",
         "Willingness to tie with a stranger is clamp(0.5 + trust_effect (T - 0.5)); half this effect at a shared focus.",
         "MODEL.md (trust raises willingness to form ties with strangers); size " + std::string(kAssumption));
  s.real("formation.capacity", 150, 1, 10000, "ties", "Dunbar-like capacity: acceptance *= max(0, 1 - social ties / capacity).", "Dunbar (1992, 1998)");

  // ---- loneliness ----
  s.real("loneliness.rate", 0.08, 0, 1, "per week", "Speed at which loneliness moves toward its target.", kAssumption);
  s.real("loneliness.desired_mean", 0.95, 0, 100, "weight", "Mean desired close-tie strength (sum of close-tie weights plus weighted contacts).",
         "Perlman & Peplau (1981) cognitive discrepancy; size " + std::string(kCalibrated));
  s.real("loneliness.desired_sd", 0.35, 0, 5, "log scale", "Spread of desired relationships between people (lognormal sigma).", kCalibrated);
  s.real("loneliness.desired_young", 2.1, 0, 5, "factor", "Desired relationships multiplier at 16-24 (higher expectations).",
         "Qualter et al. (2015): expectations of relationships peak in youth; size " + std::string(kCalibrated));
  s.real("loneliness.desired_parent", 2.9, 0, 10, "factor",
         "Desired relationships multiplier for parents of a child under 5 (adult company wanted at a time of isolation).",
         "Perlman & Peplau (1981): life transitions change desired relationships; size " + std::string(kCalibrated));
  s.real("loneliness.close_weight", 0.1, 0, 10, "per unit weight", "How much the strength of one's kin and friend ties counts toward actual relationships.", kCalibrated);
  s.real("loneliness.contact_weight", 0.08, 0, 10, "weight per contact", "How much one contact this week counts toward actual relationships.", kCalibrated);
  s.real("loneliness.slope", 8, 0, 100, "", "L* = logistic(slope (D - midpoint) + spread term), D = max(0, 1 - actual/desired).", kCalibrated);
  s.real("loneliness.midpoint", 0.62, -10, 10, "", "Discrepancy at which the loneliness target is one half.", kCalibrated);
  s.real("loneliness.spread", 1.5, 0, 20, "logit per unit",
         "Contagion: the target moves by spread x (strength-weighted mean loneliness of one's ties - own), on the logit scale.",
         "Cacioppo, Fowler & Christakis (2009), Framingham Heart Study; size " + std::string(kAssumption));
  s.real("loneliness.threshold", 0.5, 0, 1, "", "Loneliness at or above which a resident is 'often or always lonely'.", "socius convention");
  s.real("loneliness.bereavement", 0.3, 0, 1, "", "Loneliness added when a household member dies.", kAssumption);

  // ---- trust ----
  s.real("trust.rate", 0.03, 0, 1, "per week", "Speed at which generalised trust moves toward its target.", kAssumption);
  s.real("trust.intercept", -0.745, -20, 20, "logit", "Intercept of the trust target.", kCalibrated);
  s.real("trust.disposition_sd", 1.2, 0, 10, "logit", "Spread of individual trust disposition (normal, logit scale).", kCalibrated);
  s.real("trust.positive", 2.0, -20, 20, "logit per unit", "Weight of the positive share of contacts (centred at 0.7).", kCalibrated);
  s.real("trust.known", 1.0, -20, 20, "logit per unit", "Weight of the share of one's neighbourhood one knows (saturating).", kCalibrated);
  s.real("trust.neighbourhood", 2.0, -20, 20, "logit per unit", "Weight of neighbourhood mean trust (centred at 0.5).", kCalibrated);
  s.real("trust.service", 1.0, -20, 20, "logit per unit", "Weight of relationship quality with public services (centred at 0.3) while served.", kAssumption);
  s.real("trust.positive_q1", 0.58, 0, 1, "share of contacts", "Share of contacts with non-kin that are positive in the most deprived quintile.", kCalibrated);
  s.real("trust.positive_q5", 0.8, 0, 1, "share of contacts", "The same in the least deprived quintile (linear in between).", kCalibrated);
  s.real("trust.positive_memory", 0.1, 0, 1, "per week", "Rate of the moving average of the positive share of contacts.", kAssumption);
  s.real("trust.known_norm", 12, 0.1, 1000, "ties", "Local (same-neighbourhood) social ties at which 'knowing the neighbourhood' saturates.", kAssumption);
  s.real("trust.threshold", 0.5, 0, 1, "", "Trust at or above which a resident says most people can be trusted.", "socius convention");
  s.real("trust.pull_together_threshold", 0.45, 0, 1, "",
         "A resident says people pull together when (neighbourhood mean trust + known share) / 2 reaches this.", kAssumption);

  // ---- civic efficacy ----
  s.real("civic.rate", 0.03, 0, 1, "per week", "Speed at which civic efficacy moves toward its target.", kAssumption);
  s.real("civic.intercept", -1.5, -20, 20, "logit", "Intercept of the civic efficacy target.", kAssumption);
  s.real("civic.hub", 1.2, -20, 20, "logit", "Effect of hub membership.", "MODEL.md; size " + std::string(kAssumption));
  s.real("civic.community", 0.6, -20, 20, "logit", "Effect of community focus membership.", kAssumption);
  s.real("civic.local", 1.0, -20, 20, "logit per unit", "Effect of the known share of one's neighbourhood.", kAssumption);
  s.real("civic.trust", 2.0, -20, 20, "logit per unit", "Effect of trust (centred at 0.5).", kAssumption);

  // ---- life events ----
  s.real("life.move_q1", 0.14, 0, 1, "per household per year", "Household move-out rate in the most deprived quintile (a newcomer household takes the home).",
         "English Housing Survey: about 1 in 10 households moved in the last year, more among private renters (rounded)");
  s.real("life.move_q5", 0.07, 0, 1, "per household per year", "Household move-out rate in the least deprived quintile.", "English Housing Survey (rounded)");
  s.real("life.mortality_a", -10.6, -30, 0, "log per year", "Gompertz mortality: hazard = exp(a + b age) per year.", "Gompertz fit to ONS National Life Tables 2020-22 (rounded)");
  s.real("life.mortality_b", 0.094, 0, 1, "per year of age", "Gompertz slope.", "Gompertz fit to ONS National Life Tables 2020-22 (rounded)");
  s.real("life.retirement_age", 66, 50, 80, "years", "Age at which employed residents retire (the workplace focus is lost).", "UK State Pension age 2020-2026");
  s.real("life.job_loss_q1", 0.06, 0, 1, "per year", "Job loss rate in the most deprived quintile.", "ONS Labour Force Survey flows: about 1% of employees per quarter on average (rounded)");
  s.real("life.job_loss_q5", 0.025, 0, 1, "per year", "Job loss rate in the least deprived quintile.", "ONS Labour Force Survey flows (rounded)");
  s.real("life.birth_rate", 0.03, 0, 1, "per year", "Rate at which a couple aged 22-42 without a young child has one (both become parents for 5 years).", kCalibrated);
  s.real("life.education_leave_age", 19, 16, 30, "years", "Mean age at leaving education (uniform within 2 years).", "DfE participation statistics (rounded)");

  // ---- services ----
  const char* svc[4] = {"employment", "education", "health", "legal"};
  const double posts[4] = {9, 22, 9, 7};
  const double cap[4] = {60, 30, 140, 30};
  const double h0[4] = {0.025, 0.02, 0.01, 0.02};
  const double beta[4] = {1.0, 0.8, 1.0, 1.0};
  const char* outcome[4] = {"a job found", "a step of school progress (attainment)", "positive health behaviour change",
                            "a legal case resolved"};
  for (int k = 0; k < 4; ++k) {
    const std::string n = svc[k];
    s.real("services." + n + "_posts", posts[k], 0, 10000, "posts per 10,000 residents", "Funded " + n + " professional posts.",
           "calibrated: a small waiting list in the baseline");
    s.real("services." + n + "_capacity", cap[k], 1, 100000, "clients", "Caseload a " + n + " professional can serve well.", kAssumption);
    s.real("services." + n + "_h0", h0[k], 0, 1, "per week", "Baseline weekly hazard of " + std::string(outcome[k]) + ".", kAssumption);
    s.real("services." + n + "_beta", beta[k], 0, 100, "", "h = h0 (1 + beta q) for " + std::string(outcome[k]) + ".",
           "Deep Value (Community Links 2011): good relationships improve this outcome; the size is not estimated there (sweep it)");
  }
  s.real("services.health_onset", 0.07, 0, 1, "per year at 50", "Onset rate of a health need (doubles every 20 years of age).", kAssumption);
  s.real("services.legal_onset", 0.03, 0, 1, "per year", "Onset rate of a legal problem in the least deprived quintile.",
         "Legal Problem and Resolution Survey (rounded; only problems needing advice)");
  s.real("services.legal_deprivation", 2.0, 1, 10, "factor", "Legal problems are this many times as common in the most deprived quintile (linear).", kAssumption);
  s.real("services.health_resolve", 0.005, 0, 1, "per week", "Weekly chance a health need ends without behaviour change.", kAssumption);
  s.real("services.legal_resolve", 0.005, 0, 1, "per week", "Weekly chance a legal problem ends unresolved (given up).", kAssumption);
  s.real("services.overload", 1.25, 1, 100, "x capacity", "Professionals take new clients until caseload reaches overload x capacity; beyond that residents wait.", kAssumption);
  s.real("services.q0", 0.05, 0, 1, "", "Relationship quality at the first meeting with a professional.", kAssumption);
  s.real("services.q_rate", 0.04, 0, 1, "per week", "q += q_rate c (1 - q); c = contact time factor min(1, capacity/caseload)(1 - q_burnout B).", kAssumption);
  s.real("services.q_burnout", 0.6, 0, 1, "", "Loss of contact time at burnout 1.", "Maslach & Leiter (2016); size " + std::string(kAssumption));
  s.real("services.reassign", 0.004, 0, 1, "per client per week", "Routine reassignment to another professional (rotas, restructures of work).", kAssumption);
  s.integer("services.team_neighbourhoods", 4, 1, 1000000, "neighbourhoods", "Neighbourhoods served by one team of each service.", kAssumption);

  // ---- burnout ----
  s.real("burnout.load", 0.05, 0, 10, "per week per unit", "Burnout added per week per unit of caseload above capacity (caseload/capacity - 1).",
         "Maslach & Leiter (2016): workload is a main driver; size " + std::string(kAssumption));
  s.real("burnout.relationship", 0.02, 0, 10, "per week", "Burnout added per week by poor client relationships: relationship x max(0, quality_ref - mean q).",
         "Deep Value (Community Links 2011): absence of good relationships contributes to burnout; size " + std::string(kAssumption));
  s.real("burnout.quality_ref", 0.4, 0, 1, "", "Mean client relationship quality below which relationships add to burnout.", kAssumption);
  s.real("burnout.support", 0.03, 0, 10, "per week", "Burnout relieved per week by full collegial support: support x S x B.", kAssumption);
  s.real("burnout.recovery", 0.01, 0, 10, "per week", "Burnout recovered per week without support: recovery x B.", kAssumption);
  s.real("burnout.support_norm", 2.0, 0.01, 1000, "weight", "Collegial tie strength at which support S saturates at 1.", kAssumption);
  s.real("burnout.leave_base", 0.12, 0, 1, "per year", "Staff turnover rate at burnout 0.", "NHS and local authority workforce statistics: 10-15% a year (rounded)");
  s.real("burnout.leave_burnout", 0.5, 0, 10, "per year", "Added turnover rate at burnout 1.", kAssumption);
  s.real("burnout.vacancy_weeks", 12, 0, 1000, "weeks", "Mean time a vacated post stays vacant (exponential).", kAssumption);
  s.real("burnout.collegial_contacts", 3, 0, 100, "contacts per week", "Mean weekly contacts of a professional with colleagues.", kAssumption);
  s.integer("burnout.colleagues", 4, 0, 100, "ties", "Collegial ties each professional has within its team at setup and on arrival.", kAssumption);

  // ---- policies ----
  timed(s, "hubs", "community hubs", "two_most_deprived_quintiles", 0, 0);
  s.integer("policy.hubs.per_neighbourhood", 1, 0, 100, "hubs", "Hubs opened in each targeted neighbourhood.", "scenario choice");
  s.real("policy.hubs.activity", 0.8, 0, 1, "", "Activity level of a hub at full strength.", kAssumption);
  s.real("policy.hubs.recruitment", 0.15, 0, 1, "share of residents", "Share of a targeted neighbourhood's residents who join at full strength.", kAssumption);
  s.real("policy.hubs.isolated_bias", 2.0, 0, 100, "", "Connectors favour lonely residents: join probability x (1 + isolated_bias L).", kAssumption);
  timed(s, "befriending", "befriending and social prescribing", "older_isolated", 0, 0);
  s.real("policy.befriending.places", 20, 0, 10000, "matches per 10,000 residents", "Befriending matches running at once at full strength.", "scenario choice");
  s.real("policy.befriending.weight", 0.5, 0.0001, 1, "weight", "Strength of the new tie between befriender and befriended.", kAssumption);
  s.real("policy.befriending.introduce", 0.5, 0, 1, "probability", "Probability that a befriended resident is introduced to a community focus.", kAssumption);
  s.real("policy.befriending.match_weeks", 26, 1, 100000, "weeks", "Mean length of a befriending match (exponential); the tie then continues on its own or decays.", "Befriending Networks guidance: matches typically last 6-12 months");
  s.real("policy.befriending.age", 65, 16, 120, "years", "Minimum age of 'older' residents.", "Age UK convention");
  timed(s, "relational_practice", "relational practice", "all", 0, 0);
  s.real("policy.relational_practice.extra_posts", 0.2, 0, 10, "share of posts", "Extra posts funded in targeted teams, as a share of their posts (rounded in total; smaller caseloads).", "scenario choice");
  s.real("policy.relational_practice.continuity", 0.8, 0, 1, "share", "Reduction of routine reassignment (continuity of worker).", "scenario choice");
  s.real("policy.relational_practice.training", 0.5, 0, 10, "share", "Relationship building speeds up by this share (training).", kAssumption);
  timed(s, "collaboration", "local collaboration", "all", 0, 0);
  s.real("policy.collaboration.ties", 3, 0, 100, "ties per professional", "Cross-service collegial ties formed per professional in targeted areas.", "scenario choice");
  s.real("policy.collaboration.weight", 0.5, 0.0001, 1, "weight", "Initial strength of a cross-service collegial tie.", kAssumption);
  s.boolean("policy.reorganisation.enabled", false, "Switches the structural reorganisation on.", "scenario choice");
  s.integer("policy.reorganisation.time", 26, -100000, 100000, "weeks", "Policy week at which the reorganisation happens.", "scenario choice");
  s.real("policy.reorganisation.reassign", 0.5, 0, 1, "share of clients", "Share of clients moved to a new professional.", "scenario choice");
  s.real("policy.reorganisation.break_collegial", 0.5, 0, 1, "share of ties", "Share of collegial ties broken.", "scenario choice");
  s.boolean("policy.reorganisation.merge_teams", true, "Teams of neighbouring areas merge (pairs of areas share one team of each service).", "scenario choice");
  s.integer("policy.reorganisation.transition", 52, 0, 100000, "weeks", "Length of the transition period.", "scenario choice");
  s.real("policy.reorganisation.capacity_lost", 0.2, 0, 1, "share", "Capacity lost per professional during the transition.", "scenario choice");
  s.real("policy.reorganisation.stress", 0.005, 0, 1, "per week", "Burnout added per week during the transition.", kAssumption);
  s.real("policy.reorganisation.efficiency_gain", 0.15, 0, 10, "share", "Capacity per professional rises by this share after the transition (the promise).", "scenario choice");
  s.real("policy.reorganisation.cost_one_off", 0, 0, 1e12, "GBP", "One-off cost of the reorganisation.", "scenario choice (see scenarios/)");
  s.real("policy.reorganisation.savings_per_year", 0, 0, 1e12, "GBP per year", "Running savings promised after the transition (reported as savings_to_date).", "scenario choice");
  s.real("budget.total", 0, 0, 1e13, "GBP",
         "The scenario's budget over the horizon; when positive, the planned spend of its policies must not exceed it (0: no check).", "scenario choice");

  // ---- indicators ----
  s.integer("indicators.component_every", 13, 1, 1000000, "steps",
            "largest_component_share is computed when policy time is a multiple of this (NaN otherwise; it is a whole-graph pass).", "socius convention");
  s.integer("indicators.clustering_sample", 2000, 0, 100000000, "residents",
            "Residents per group sampled (deterministically, evenly spaced) for the clustering coefficient.", "socius convention");
  return s;
}

namespace {

Target target_of(const ParameterSet& set, const std::string& key) {
  const std::string& v = set.text(key);
  if (v == "all") return Target::All;
  if (v == "most_deprived_quintile") return Target::MostDeprived;
  if (v == "two_most_deprived_quintiles") return Target::TwoMostDeprived;
  return Target::OlderIsolated;
}

TimedPolicy timed_of(const ParameterSet& set, const std::string& name) {
  const std::string k = "policy." + name + ".";
  TimedPolicy p;
  p.enabled = set.boolean(k + "enabled");
  p.start = set.integer(k + "start");
  p.duration = set.integer(k + "duration");
  p.ramp_up = set.integer(k + "ramp_up");
  p.target = target_of(set, k + "target");
  p.cost_one_off = set.real(k + "cost_one_off");
  p.cost_per_year = set.real(k + "cost_per_year");
  return p;
}

[[noreturn]] void invalid(const std::string& key, const std::string& value, const std::string& allowed) {
  throw ScenarioError("key '" + key + "' = " + value + ": " + allowed);
}

}  // namespace

Params read_params(const ParameterSet& set) {
  Params p;
  auto r = [&](const char* k) { return set.real(k); };
  p.population = set.integer("simulation.population");
  p.steps = set.integer("simulation.steps");
  p.nbhd_size = r("structure.neighbourhood_size");
  p.workplace_size = r("structure.workplace_size");
  p.college_size = r("structure.college_size");
  p.community_foci = set.integer("structure.community_foci");
  p.community_membership = r("structure.community_membership");
  p.activity_work = r("structure.activity_work");
  p.activity_college = r("structure.activity_college");
  p.activity_school = r("structure.activity_school_gate");
  p.activity_community = r("structure.activity_community");
  p.activity_nbhd = r("structure.activity_neighbourhood");
  p.household_mix = {r("structure.household_one_person"), r("structure.household_couple"),
                     r("structure.household_couple_children"), r("structure.household_lone_parent"),
                     r("structure.household_shared")};
  p.young_child_share = r("structure.young_child_share");
  p.older_one_person_share = r("structure.older_one_person_share");
  p.older_couple_share = r("structure.older_couple_share");
  p.employment_q1 = r("structure.employment_rate_q1");
  p.employment_q5 = r("structure.employment_rate_q5");
  p.unemployment_share = r("structure.unemployment_share");
  p.kin_outside = set.integer("structure.kin_outside");
  p.initial_friends = r("structure.initial_friends");
  p.family_away = r("structure.family_away");
  p.family_weekly = r("contact.family_away_weekly");
  p.initial_acquaintances = r("structure.initial_acquaintances");

  p.contact_mean = r("contact.mean");
  p.sociability_shape = r("contact.sociability_shape");
  p.withdrawal = r("contact.withdrawal");
  p.parent_time = r("contact.parent_time");
  p.age75_factor = r("contact.age75_factor");
  p.young_factor = r("contact.young_factor");
  p.new_share = r("contact.new_share");
  p.random_meeting = r("contact.random_meeting");

  const char* names[5] = {"kin", "friend", "acquaintance", "service", "collegial"};
  for (int t = 0; t < 5; ++t) {
    if (t == 3) continue;
    p.delta[t] = set.real(std::string("ties.delta_") + names[t]);
    p.decay[t] = set.real(std::string("ties.decay_") + names[t]);
  }
  p.floor = r("ties.floor");
  p.kin_floor = r("ties.kin_floor");
  p.friend_threshold = r("ties.friend_threshold");
  p.demote_threshold = r("ties.demote_threshold");
  p.new_weight = r("ties.new_weight");
  p.close_threshold = r("ties.close_threshold");

  p.accept = r("formation.accept");
  p.triadic = r("formation.triadic");
  p.age_scale = r("formation.age_scale");
  p.other_nbhd = r("formation.other_neighbourhood");
  p.trust_effect = r("formation.trust_effect");
  p.capacity = r("formation.capacity");

  p.l_rate = r("loneliness.rate");
  p.desired_mean = r("loneliness.desired_mean");
  p.desired_sd = r("loneliness.desired_sd");
  p.desired_young = r("loneliness.desired_young");
  p.close_weight = r("loneliness.close_weight");
  p.desired_parent = r("loneliness.desired_parent");
  p.contact_weight = r("loneliness.contact_weight");
  p.l_slope = r("loneliness.slope");
  p.l_midpoint = r("loneliness.midpoint");
  p.spread = r("loneliness.spread");
  p.l_threshold = r("loneliness.threshold");
  p.bereavement = r("loneliness.bereavement");

  p.t_rate = r("trust.rate");
  p.t_intercept = r("trust.intercept");
  p.t_sd = r("trust.disposition_sd");
  p.t_positive = r("trust.positive");
  p.t_known = r("trust.known");
  p.t_nbhd = r("trust.neighbourhood");
  p.t_service = r("trust.service");
  p.positive_q1 = r("trust.positive_q1");
  p.positive_q5 = r("trust.positive_q5");
  p.positive_rate = r("trust.positive_memory");
  p.known_norm = r("trust.known_norm");
  p.t_threshold = r("trust.threshold");
  p.pull_threshold = r("trust.pull_together_threshold");

  p.e_rate = r("civic.rate");
  p.e_intercept = r("civic.intercept");
  p.e_hub = r("civic.hub");
  p.e_community = r("civic.community");
  p.e_local = r("civic.local");
  p.e_trust = r("civic.trust");

  p.move_q1 = r("life.move_q1");
  p.move_q5 = r("life.move_q5");
  p.mortality_a = r("life.mortality_a");
  p.mortality_b = r("life.mortality_b");
  p.retirement_age = r("life.retirement_age");
  p.job_loss_q1 = r("life.job_loss_q1");
  p.job_loss_q5 = r("life.job_loss_q5");
  p.birth_rate = r("life.birth_rate");
  p.education_leave_age = r("life.education_leave_age");

  const char* svc[4] = {"employment", "education", "health", "legal"};
  for (int k = 0; k < 4; ++k) {
    const std::string n = std::string("services.") + svc[k];
    p.posts[k] = set.real(n + "_posts");
    p.case_capacity[k] = set.real(n + "_capacity");
    p.h0[k] = set.real(n + "_h0");
    p.beta[k] = set.real(n + "_beta");
  }
  p.health_onset = r("services.health_onset");
  p.legal_onset = r("services.legal_onset");
  p.legal_deprivation = r("services.legal_deprivation");
  p.health_resolve = r("services.health_resolve");
  p.legal_resolve = r("services.legal_resolve");
  p.overload = r("services.overload");
  p.q0 = r("services.q0");
  p.q_rate = r("services.q_rate");
  p.q_burnout = r("services.q_burnout");
  p.reassign = r("services.reassign");
  p.team_nbhds = set.integer("services.team_neighbourhoods");

  p.b_load = r("burnout.load");
  p.b_relationship = r("burnout.relationship");
  p.b_quality_ref = r("burnout.quality_ref");
  p.b_support = r("burnout.support");
  p.b_recovery = r("burnout.recovery");
  p.support_norm = r("burnout.support_norm");
  p.leave_base = r("burnout.leave_base");
  p.leave_burnout = r("burnout.leave_burnout");
  p.vacancy_weeks = r("burnout.vacancy_weeks");
  p.collegial_contacts = r("burnout.collegial_contacts");
  p.colleagues = set.integer("burnout.colleagues");

  p.hubs = timed_of(set, "hubs");
  p.hubs_per_nbhd = set.integer("policy.hubs.per_neighbourhood");
  p.hub_activity = r("policy.hubs.activity");
  p.hub_recruitment = r("policy.hubs.recruitment");
  p.hub_isolated_bias = r("policy.hubs.isolated_bias");
  p.befriending = timed_of(set, "befriending");
  p.bef_places = r("policy.befriending.places");
  p.bef_weight = r("policy.befriending.weight");
  p.bef_introduce = r("policy.befriending.introduce");
  p.bef_age = r("policy.befriending.age");
  p.bef_match_weeks = r("policy.befriending.match_weeks");
  p.relational = timed_of(set, "relational_practice");
  p.rp_extra_posts = r("policy.relational_practice.extra_posts");
  p.rp_continuity = r("policy.relational_practice.continuity");
  p.rp_training = r("policy.relational_practice.training");
  p.collaboration = timed_of(set, "collaboration");
  p.collab_ties = r("policy.collaboration.ties");
  p.collab_weight = r("policy.collaboration.weight");
  p.reorg = set.boolean("policy.reorganisation.enabled");
  p.reorg_time = set.integer("policy.reorganisation.time");
  p.reorg_reassign = r("policy.reorganisation.reassign");
  p.reorg_break = r("policy.reorganisation.break_collegial");
  p.reorg_merge = set.boolean("policy.reorganisation.merge_teams");
  p.reorg_transition = set.integer("policy.reorganisation.transition");
  p.reorg_capacity_lost = r("policy.reorganisation.capacity_lost");
  p.reorg_stress = r("policy.reorganisation.stress");
  p.reorg_efficiency = r("policy.reorganisation.efficiency_gain");
  p.reorg_cost = r("policy.reorganisation.cost_one_off");
  p.reorg_savings = r("policy.reorganisation.savings_per_year");
  p.budget_total = r("budget.total");
  p.component_every = set.integer("indicators.component_every");
  p.clustering_sample = set.integer("indicators.clustering_sample");

  // ---- combinations the schema cannot check ----
  double mix = 0;
  for (double x : p.household_mix) mix += x;
  if (std::abs(mix - 1.0) > 1e-6) {
    invalid("structure.household_*", "shares summing to " + format_number(mix), "the five household shares must sum to 1");
  }
  const auto quoted = [&](const std::string& k) { return "\"" + set.text(k) + "\""; };
  if (p.hubs.target == Target::OlderIsolated) {
    invalid("policy.hubs.target", quoted("policy.hubs.target"),
            "hubs open in neighbourhoods: allowed \"all\", \"most_deprived_quintile\", \"two_most_deprived_quintiles\"");
  }
  if (p.collaboration.target == Target::OlderIsolated) {
    invalid("policy.collaboration.target", quoted("policy.collaboration.target"),
            "collaboration is between teams serving areas: allowed \"all\", \"most_deprived_quintile\", \"two_most_deprived_quintiles\"");
  }
  if (p.relational.target == Target::OlderIsolated) {
    invalid("policy.relational_practice.target", quoted("policy.relational_practice.target"),
            "relational practice changes teams serving areas: allowed \"all\", \"most_deprived_quintile\", \"two_most_deprived_quintiles\"");
  }
  if (p.demote_threshold > p.friend_threshold) {
    invalid("ties.demote_threshold", format_number(p.demote_threshold), "must not exceed ties.friend_threshold (" + format_number(p.friend_threshold) + ")");
  }
  for (const TimedPolicy* tp : {&p.hubs, &p.befriending, &p.relational, &p.collaboration}) {
    if (tp->enabled && tp->ramp_up > tp->duration) {
      const char* name = tp == &p.hubs ? "hubs" : tp == &p.befriending ? "befriending" : tp == &p.relational ? "relational_practice" : "collaboration";
      invalid(std::string("policy.") + name + ".ramp_up", std::to_string(tp->ramp_up),
              "must not exceed policy." + std::string(name) + ".duration (" + std::to_string(tp->duration) + ")");
    }
  }
  if (p.reorg && p.reorg_time < 0) {
    invalid("policy.reorganisation.time", std::to_string(p.reorg_time), "a policy acts after burn-in: allowed 0 or more");
  }
  if (p.budget_total > 0) {
    const double planned = planned_spend(p, p.steps);
    if (planned > p.budget_total * (1.0 + 1e-9)) {
      std::ostringstream os;
      os.setf(std::ios::fixed);
      os.precision(0);
      os << "the enabled policies plan to spend " << planned << " GBP over the horizon of " << p.steps
         << " weeks; allowed: at most the budget, or raise budget.total, or 0 for no check";
      std::ostringstream v;
      v.setf(std::ios::fixed);
      v.precision(0);
      v << p.budget_total;
      invalid("budget.total", v.str(), os.str());
    }
  }
  return p;
}

}  // namespace socius::models::community

/**
 * The kinds of organization the generator makes (bench/generate.ts). Each template is
 * the shape of one organization: its partners, touchpoints (owned by functional areas,
 * some delivered by partners), populations with their disaggregation attributes and
 * journey paths, offerings with impact rules, metrics, surveys with their questions.
 * Sizes (stakeholders, responses) come from the command line, not from here.
 */

export type Kind = "CUSTOMER" | "BENEFICIARY";
export type Weighted<T> = readonly (readonly [T, number])[];

export interface TouchpointTemplate {
  kind: Kind;
  /** Stage position in the default lifecycle of `kind` (organization/defaults.ts). */
  stage: number;
  name: string;
  channel: string;
  area: string;
  partner?: string;
  /** A recurring visit (e.g. a monthly call): one visit every so many days of the stay. */
  repeatEveryDays?: number;
}

export interface PopulationTemplate {
  kind: Kind;
  /** Share of the organization's stakeholders. */
  share: number;
  refPrefix: string;
  regions: Weighted<string>;
  segments: Weighted<string>;
  ageBands: Weighted<string>;
  genders: Weighted<string>;
  /** Days spent in each stage before the next step, [min, max], by stage position. */
  dwellDays: readonly (readonly [number, number])[];
  /** Journeys: the stage positions visited in order (consecutive positions differ), with weights. */
  paths: Weighted<readonly number[]>;
  /** Registered by this partner (a field partner's beneficiaries), if any. */
  registeredBy?: string;
  /** Share that has contact data (kept apart in stakeholder_contacts). */
  contactShare: number;
}

export interface OfferingTemplate {
  name: string;
  description: string;
  unitPriceMinor: number;
  revenueShareBps?: number;
  unitsGivenPerUnit?: string;
  fixedAmountPerSaleMinor?: number;
  /** The name of the programme (in OrganizationTemplate.programmes) its contribution funds. */
  programme?: string;
  beneficiariesPerUnitGiven?: string;
  amountPerBeneficiaryMinor?: number;
  weight: number;
  units: [number, number];
}

export interface MetricTemplate {
  name: string;
  category: "KPI" | "SOCIAL";
  perspective: "CUSTOMER" | "BENEFICIARY" | "ORGANIZATION";
  kind: "INPUT" | "OUTPUT";
  unit: string;
  unitLabel?: string;
  direction?: "HIGHER_IS_BETTER" | "LOWER_IS_BETTER";
  aggregation: "SUM" | "AVERAGE" | "LATEST";
  impactMode?: "AT_SALE" | "IN_USE";
  catalogueCode?: string;
  /** Stage of this kind and position the metric belongs to. */
  stage?: { kind: Kind; position: number };
  baseline: number;
  /** The yearly target (for SUM metrics, the total over the year). */
  target: number;
  /** Monthly values drift from `start` to `end` over the history, with this much noise. */
  start: number;
  end: number;
  noise: number;
  decimals: number;
  /** Also observed split by gender, with sample sizes. */
  byGender?: boolean;
}

export interface QuestionTemplate {
  key: string;
  type: "NPS" | "RATING" | "EFFORT" | "YES_NO" | "CHOICE" | "TEXT";
  text: string;
  options?: string[];
}

export interface SurveyTemplate {
  name: string;
  audience: Kind;
  touchpoint: string;
  questions: QuestionTemplate[];
  /** Relative share of the responses (the generator spreads the requested total by weight x visits). */
  weight: number;
  /** Promoter / passive / detractor shares. */
  mix: [number, number, number];
  /** Collected by the touchpoint's partner's app, received after hours or days offline. */
  viaPartner?: boolean;
  comments: { promoter: string[]; passive: string[]; detractor: string[] };
}

export interface OrganizationTemplate {
  name: string;
  impactModel: "CUSTOMER_IS_BENEFICIARY" | "CUSTOMER_FUNDS_BENEFICIARY" | "HYBRID";
  currency: string;
  partners: { name: string; kind: string; region: string }[];
  extraAreas: string[];
  touchpoints: TouchpointTemplate[];
  populations: PopulationTemplate[];
  /** What the offerings fund, delivered by the named partners. */
  programmes: { name: string; description: string; region: string; unitOfDelivery: string; beneficiariesPerUnit?: string; partners: string[] }[];
  offerings: OfferingTemplate[];
  /** Sales with no known customer, as a share of the customers' own purchases. */
  anonymousSalesShare: number;
  metrics: MetricTemplate[];
  surveys: SurveyTemplate[];
  goals: { statement: string; touchpoint: string; metrics: string[]; interventions: { title: string; owner: string; status: string }[] }[];
}

const KENYA_REGIONS: Weighted<string> = [
  ["Nakuru", 24],
  ["Kisumu", 20],
  ["Machakos", 16],
  ["Kakamega", 12],
  ["Turkana", 8],
  ["Nairobi", 12],
  ["Mombasa", 8],
];
const ADULT_AGES: Weighted<string> = [
  ["AGE_18_24", 12],
  ["AGE_25_34", 30],
  ["AGE_35_44", 28],
  ["AGE_45_54", 18],
  ["AGE_55_64", 8],
  ["AGE_65_PLUS", 4],
];
const CHILD_AGES: Weighted<string> = [
  ["UNDER_18", 96],
  ["AGE_18_24", 4],
];
const ADULT_GENDERS: Weighted<string> = [
  ["FEMALE", 52],
  ["MALE", 44],
  ["OTHER", 1],
  ["UNDISCLOSED", 3],
];

/** Customer journeys: Need 0, Research 1, Purchase 2, Use 3, Support 4, Renew or exit 5. */
const CUSTOMER_PATHS: Weighted<readonly number[]> = [
  [[0], 8],
  [[0, 1], 12],
  [[0, 1, 2, 3], 30],
  [[0, 1, 2, 3, 4, 3], 18],
  [[0, 1, 2, 3, 4, 5], 8],
  [[0, 1, 2, 3, 5], 10],
  [[0, 1, 2, 3, 4, 3, 4, 5], 7],
  [[0, 1, 2, 3, 5, 2, 3], 7], // a repeat purchase
];
/** Beneficiary journeys: Identified 0, Enrolled 1, Receives 2, Uses 3, Outcome 4, Exit 5. */
const BENEFICIARY_PATHS: Weighted<readonly number[]> = [
  [[0], 5],
  [[0, 1], 6],
  [[0, 1, 2, 3], 34],
  [[0, 1, 2, 3, 4], 30],
  [[0, 1, 2, 3, 4, 5], 25],
];
const CUSTOMER_DWELL = [
  [1, 14],
  [2, 21],
  [1, 5],
  [60, 420],
  [2, 20],
  [5, 60],
] as const;
const BENEFICIARY_DWELL = [
  [3, 30],
  [7, 45],
  [1, 3],
  [90, 400],
  [20, 90],
  [30, 90],
] as const;

const LAMP_COMMENTS = {
  promoter: ["The children can study at night now", "Bright light, no more kerosene smoke", "The agent explained everything well", "We save money every week"],
  passive: ["Works well but the charger cable is short", "Good lamp, payments are a bit high", "Fine so far", "Battery lasts less than I hoped"],
  detractor: ["The lamp stopped after two days", "The agent came late and left quickly", "The battery dies by nine", "Nobody answered the helpline"],
};
const REPAIR_COMMENTS = {
  promoter: ["Fixed the same day, thank you", "The technician was kind and quick"],
  passive: ["It works again but took a week", "Repair fine, communication poor"],
  detractor: ["Three weeks without light", "They took the lamp and did not bring it back for a month", "Still broken after the visit"],
};
const CHILD_COMMENTS = {
  promoter: ["My feet do not hurt on the way to school", "I can read after dark now", "I am proud of it"],
  passive: ["It is a bit big", "Good but gets wet in the rain"],
  detractor: ["It broke quickly", "My little brother needs one too"],
};

const LAMP_SURVEYS: SurveyTemplate[] = [
  {
    name: "After installation",
    audience: "CUSTOMER",
    touchpoint: "Installation visit",
    weight: 3,
    mix: [58, 27, 15],
    questions: [
      { key: "nps", type: "NPS", text: "How likely are you to recommend us to a neighbour?" },
      { key: "works", type: "YES_NO", text: "Did the lamp work on the first evening?" },
      { key: "install", type: "RATING", text: "How was the installation?" },
      { key: "comment", type: "TEXT", text: "Anything we should know?" },
    ],
    comments: LAMP_COMMENTS,
  },
  {
    name: "Monthly usage check",
    audience: "CUSTOMER",
    touchpoint: "Monthly usage call",
    weight: 1,
    mix: [62, 25, 13],
    questions: [
      { key: "nps", type: "NPS", text: "How likely are you to recommend the lamp to a friend?" },
      { key: "hours", type: "CHOICE", text: "How many hours a night do you use it?", options: ["Under 2", "2 to 4", "Over 4"] },
      { key: "saving", type: "RATING", text: "How much has it cut what you spend on kerosene?" },
      { key: "works", type: "YES_NO", text: "Is it working well today?" },
    ],
    comments: LAMP_COMMENTS,
  },
  {
    name: "Repair follow-up",
    audience: "CUSTOMER",
    touchpoint: "Repair visit",
    weight: 3,
    // The worst touchpoint, on purpose.
    mix: [22, 30, 48],
    questions: [
      { key: "nps", type: "NPS", text: "After this repair, how likely are you to recommend us?" },
      { key: "effort", type: "EFFORT", text: "How easy was it to get the lamp repaired?" },
      { key: "fixed", type: "YES_NO", text: "Is the lamp working now?" },
      { key: "comment", type: "TEXT", text: "What could we have done better?" },
    ],
    comments: REPAIR_COMMENTS,
  },
];

const CUSTOMER_TOUCHPOINTS: TouchpointTemplate[] = [
  { kind: "CUSTOMER", stage: 0, name: "Radio advert", channel: "RADIO", area: "Marketing" },
  { kind: "CUSTOMER", stage: 0, name: "Market-day stall", channel: "IN_PERSON", area: "Marketing", partner: "Jua Field Agents" },
  { kind: "CUSTOMER", stage: 1, name: "Village demonstration", channel: "IN_PERSON", area: "Sales", partner: "Jua Field Agents" },
  { kind: "CUSTOMER", stage: 1, name: "Price enquiry by SMS", channel: "SMS", area: "Sales" },
  { kind: "CUSTOMER", stage: 2, name: "Agent sale with pay-as-you-go plan", channel: "IN_PERSON", area: "Sales", partner: "Rift Valley Distributors" },
  { kind: "CUSTOMER", stage: 2, name: "Mobile-money deposit", channel: "SMS", area: "Finance" },
  { kind: "CUSTOMER", stage: 3, name: "Installation visit", channel: "FIELD_VISIT", area: "Operations", partner: "Rift Valley Distributors" },
  { kind: "CUSTOMER", stage: 3, name: "Monthly usage call", channel: "PHONE", area: "Customer service", repeatEveryDays: 30 },
  { kind: "CUSTOMER", stage: 4, name: "Helpline", channel: "PHONE", area: "Customer service" },
  { kind: "CUSTOMER", stage: 4, name: "Repair visit", channel: "FIELD_VISIT", area: "Operations", partner: "Rift Valley Distributors" },
  { kind: "CUSTOMER", stage: 5, name: "Upgrade offer", channel: "SMS", area: "Sales" },
];

const CUSTOMER_POPULATION: PopulationTemplate = {
  kind: "CUSTOMER",
  share: 1,
  refPrefix: "C",
  regions: KENYA_REGIONS,
  segments: [
    ["Off-grid farming household", 50],
    ["Small shop owner", 25],
    ["Boda-boda rider", 15],
    ["Urban household", 10],
  ],
  ageBands: ADULT_AGES,
  genders: ADULT_GENDERS,
  dwellDays: CUSTOMER_DWELL,
  paths: CUSTOMER_PATHS,
  contactShare: 0.4,
};

const LAMP_METRICS: MetricTemplate[] = [
  { name: "Repair turnaround", category: "KPI", perspective: "CUSTOMER", kind: "INPUT", unit: "DAYS", direction: "LOWER_IS_BETTER", aggregation: "AVERAGE", stage: { kind: "CUSTOMER", position: 4 }, baseline: 12, target: 5, start: 11, end: 6, noise: 0.15, decimals: 1 },
  { name: "Pay-as-you-go repayment rate", category: "KPI", perspective: "ORGANIZATION", kind: "OUTPUT", unit: "PERCENT", aggregation: "AVERAGE", baseline: 78, target: 90, start: 79, end: 87, noise: 0.2, decimals: 1 },
  { name: "Agents trained", category: "KPI", perspective: "ORGANIZATION", kind: "INPUT", unit: "COUNT", aggregation: "SUM", baseline: 0, target: 240, start: 12, end: 25, noise: 0.3, decimals: 0 },
  {
    name: "Kerosene spending avoided",
    category: "SOCIAL",
    perspective: "CUSTOMER",
    kind: "OUTPUT",
    unit: "CURRENCY",
    unitLabel: "KES per household per month",
    aggregation: "AVERAGE",
    impactMode: "IN_USE",
    catalogueCode: "PI5376",
    stage: { kind: "CUSTOMER", position: 3 },
    baseline: 0,
    target: 600,
    start: 420,
    end: 560,
    noise: 0.25,
    decimals: 0,
    byGender: true,
  },
  { name: "Evening study hours per child", category: "SOCIAL", perspective: "CUSTOMER", kind: "OUTPUT", unit: "HOURS", aggregation: "AVERAGE", impactMode: "IN_USE", stage: { kind: "CUSTOMER", position: 3 }, baseline: 0.8, target: 2.5, start: 1.6, end: 2.3, noise: 0.3, decimals: 2, byGender: true },
  { name: "Households reached by field visits", category: "SOCIAL", perspective: "CUSTOMER", kind: "INPUT", unit: "COUNT", aggregation: "SUM", impactMode: "IN_USE", baseline: 0, target: 3000, start: 150, end: 320, noise: 0.2, decimals: 0 },
];

/** A large solar company that sells lamps (customers are the beneficiaries) and also funds classroom lights for schoolchildren. */
export const HYBRID: OrganizationTemplate = {
  name: "Mwangaza Energy",
  impactModel: "HYBRID",
  currency: "KES",
  partners: [
    { name: "Rift Valley Distributors", kind: "DISTRIBUTOR", region: "Nakuru" },
    { name: "Jua Field Agents", kind: "FIELD_PARTNER", region: "Kisumu" },
    { name: "Shule Bora Foundation", kind: "FIELD_PARTNER", region: "Kisumu" },
    { name: "Coast Repairs Ltd", kind: "SERVICE_PROVIDER", region: "Mombasa" },
  ],
  extraAreas: ["E-commerce"],
  touchpoints: [
    ...CUSTOMER_TOUCHPOINTS,
    { kind: "BENEFICIARY", stage: 0, name: "School needs assessment", channel: "FIELD_VISIT", area: "Programmes", partner: "Shule Bora Foundation" },
    { kind: "BENEFICIARY", stage: 1, name: "Enrolment", channel: "IN_PERSON", area: "Programmes", partner: "Shule Bora Foundation" },
    { kind: "BENEFICIARY", stage: 2, name: "Lamp distribution day", channel: "IN_PERSON", area: "Operations", partner: "Shule Bora Foundation" },
    { kind: "BENEFICIARY", stage: 3, name: "Classroom check-in", channel: "FIELD_VISIT", area: "Programmes", partner: "Shule Bora Foundation", repeatEveryDays: 45 },
    { kind: "BENEFICIARY", stage: 4, name: "Term results review", channel: "IN_PERSON", area: "Programmes", partner: "Shule Bora Foundation" },
    { kind: "BENEFICIARY", stage: 5, name: "Graduation", channel: "IN_PERSON", area: "Programmes" },
  ],
  populations: [
    { ...CUSTOMER_POPULATION, share: 0.7 },
    {
      kind: "BENEFICIARY",
      share: 0.3,
      refPrefix: "B",
      regions: [
        ["Kisumu", 40],
        ["Siaya", 35],
        ["Homa Bay", 25],
      ],
      segments: [
        ["Primary school", 75],
        ["Secondary school", 25],
      ],
      ageBands: CHILD_AGES,
      genders: [
        ["FEMALE", 50],
        ["MALE", 50],
      ],
      dwellDays: BENEFICIARY_DWELL,
      paths: BENEFICIARY_PATHS,
      registeredBy: "Shule Bora Foundation",
      contactShare: 0.1,
    },
  ],
  programmes: [
    { name: "Solar lights for rural classrooms", description: "Solar lighting for classrooms without grid power", region: "Kisumu", unitOfDelivery: "classroom light kit", partners: [] },
    {
      name: "Study lamps for schoolchildren",
      description: "Study lamps for schoolchildren in Kisumu, Siaya and Homa Bay: one for every lamp sold",
      region: "Kisumu, Siaya and Homa Bay",
      unitOfDelivery: "study lamp",
      beneficiariesPerUnit: "1",
      partners: ["Shule Bora Foundation"],
    },
  ],
  offerings: [
    { name: "Jua Lamp S", description: "A solar study lamp with a phone charger, pay-as-you-go over 6 months", unitPriceMinor: 300000, weight: 55, units: [1, 1] },
    {
      name: "Jua Home Kit",
      description: "Three lights, a radio and a phone charger; 2% of each sale lights a classroom",
      unitPriceMinor: 1200000,
      revenueShareBps: 200,
      programme: "Solar lights for rural classrooms",
      amountPerBeneficiaryMinor: 150000,
      weight: 25,
      units: [1, 1],
    },
    {
      name: "Buy one, light one",
      description: "A study lamp; another is given to a schoolchild for every one sold",
      unitPriceMinor: 450000,
      unitsGivenPerUnit: "1",
      beneficiariesPerUnitGiven: "1",
      fixedAmountPerSaleMinor: 5000,
      programme: "Study lamps for schoolchildren",
      weight: 20,
      units: [1, 3],
    },
  ],
  anonymousSalesShare: 0.15,
  metrics: [
    ...LAMP_METRICS,
    { name: "Lamps given to schoolchildren", category: "SOCIAL", perspective: "BENEFICIARY", kind: "OUTPUT", unit: "COUNT", unitLabel: "lamps", aggregation: "SUM", impactMode: "AT_SALE", baseline: 0, target: 6000, start: 300, end: 700, noise: 0.2, decimals: 0 },
    { name: "School attendance", category: "SOCIAL", perspective: "BENEFICIARY", kind: "OUTPUT", unit: "PERCENT", aggregation: "AVERAGE", impactMode: "IN_USE", catalogueCode: "PI2389", stage: { kind: "BENEFICIARY", position: 3 }, baseline: 78, target: 92, start: 81, end: 89, noise: 0.2, decimals: 1, byGender: true },
    { name: "Homework completed after dark", category: "SOCIAL", perspective: "BENEFICIARY", kind: "OUTPUT", unit: "PERCENT", aggregation: "LATEST", impactMode: "IN_USE", stage: { kind: "BENEFICIARY", position: 4 }, baseline: 30, target: 70, start: 40, end: 64, noise: 0.15, decimals: 1 },
  ],
  surveys: [
    ...LAMP_SURVEYS,
    {
      name: "Classroom check-in",
      audience: "BENEFICIARY",
      touchpoint: "Classroom check-in",
      weight: 1,
      viaPartner: true,
      mix: [66, 22, 12],
      questions: [
        { key: "nps", type: "NPS", text: "Would you tell a friend this lamp is good?" },
        { key: "useful", type: "RATING", text: "How useful is your lamp for homework?" },
        { key: "everyday", type: "YES_NO", text: "Did you use it every school night this week?" },
        { key: "travel", type: "CHOICE", text: "How do you get to school?", options: ["Walk", "Bicycle", "Boda-boda", "Bus"] },
        { key: "comment", type: "TEXT", text: "Tell us more" },
      ],
      comments: CHILD_COMMENTS,
    },
  ],
  goals: [
    {
      statement: "The lamp works the day it arrives",
      touchpoint: "Installation visit",
      metrics: ["Repair turnaround"],
      interventions: [
        { title: "Test every lamp at the depot before delivery", owner: "Operations", status: "DONE" },
        { title: "Spare-parts kits for field agents", owner: "Operations", status: "IN_PROGRESS" },
      ],
    },
    { statement: "Every child uses the lamp on school nights", touchpoint: "Classroom check-in", metrics: ["School attendance"], interventions: [{ title: "Teach lamp care in class", owner: "Programmes", status: "PLANNED" }] },
  ],
};

/** A solar-lamp company whose customers are its beneficiaries: impact happens in use. */
export const SOLAR: OrganizationTemplate = {
  name: "Mwanga Solar",
  impactModel: "CUSTOMER_IS_BENEFICIARY",
  currency: "KES",
  partners: [
    { name: "Rift Valley Distributors", kind: "DISTRIBUTOR", region: "Nakuru" },
    { name: "Jua Field Agents", kind: "FIELD_PARTNER", region: "Kisumu" },
  ],
  extraAreas: [],
  touchpoints: CUSTOMER_TOUCHPOINTS,
  populations: [CUSTOMER_POPULATION],
  programmes: [],
  offerings: [
    { name: "Jua Lamp S", description: "A solar study lamp with a phone charger, pay-as-you-go over 6 months", unitPriceMinor: 300000, weight: 70, units: [1, 1] },
    { name: "Jua Home Kit", description: "Three lights, a radio and a phone charger", unitPriceMinor: 1200000, weight: 30, units: [1, 1] },
  ],
  anonymousSalesShare: 0.1,
  metrics: LAMP_METRICS,
  surveys: LAMP_SURVEYS,
  goals: [
    {
      statement: "A broken lamp is working again within five days",
      touchpoint: "Repair visit",
      metrics: ["Repair turnaround"],
      interventions: [{ title: "Call back every repair request within 24 hours", owner: "Customer service", status: "IN_PROGRESS" }],
    },
  ],
};

/** A school-shoe company: every pair sold gives a pair to a schoolchild; impact is created at sale. */
export const SHOES: OrganizationTemplate = {
  name: "Hatua Shoes",
  impactModel: "CUSTOMER_FUNDS_BENEFICIARY",
  currency: "KES",
  partners: [
    { name: "Shule Bora Foundation", kind: "FIELD_PARTNER", region: "Kisumu" },
    { name: "Nairobi Retail Partners", kind: "DISTRIBUTOR", region: "Nairobi" },
  ],
  extraAreas: ["E-commerce"],
  touchpoints: [
    { kind: "CUSTOMER", stage: 0, name: "Instagram campaign", channel: "SOCIAL_MEDIA", area: "Marketing" },
    { kind: "CUSTOMER", stage: 1, name: "Product page", channel: "WEB", area: "E-commerce" },
    { kind: "CUSTOMER", stage: 1, name: "Store fitting", channel: "RETAIL", area: "Sales", partner: "Nairobi Retail Partners" },
    { kind: "CUSTOMER", stage: 2, name: "Online checkout", channel: "WEB", area: "E-commerce" },
    { kind: "CUSTOMER", stage: 2, name: "Store purchase", channel: "RETAIL", area: "Sales", partner: "Nairobi Retail Partners" },
    { kind: "CUSTOMER", stage: 3, name: "Delivery", channel: "OTHER", area: "Operations" },
    { kind: "CUSTOMER", stage: 3, name: "Impact story email", channel: "EMAIL", area: "Marketing", repeatEveryDays: 60 },
    { kind: "CUSTOMER", stage: 4, name: "Returns and exchanges", channel: "WEB", area: "Customer service" },
    { kind: "CUSTOMER", stage: 5, name: "Back-to-school reminder", channel: "EMAIL", area: "Marketing" },
    { kind: "BENEFICIARY", stage: 0, name: "School needs assessment", channel: "FIELD_VISIT", area: "Programmes", partner: "Shule Bora Foundation" },
    { kind: "BENEFICIARY", stage: 1, name: "Enrolment and foot measurement", channel: "IN_PERSON", area: "Programmes", partner: "Shule Bora Foundation" },
    { kind: "BENEFICIARY", stage: 2, name: "Shoe distribution day", channel: "IN_PERSON", area: "Operations", partner: "Shule Bora Foundation" },
    { kind: "BENEFICIARY", stage: 3, name: "Classroom check-in", channel: "FIELD_VISIT", area: "Programmes", partner: "Shule Bora Foundation", repeatEveryDays: 45 },
    { kind: "BENEFICIARY", stage: 4, name: "Attendance review", channel: "IN_PERSON", area: "Programmes", partner: "Shule Bora Foundation" },
  ],
  populations: [
    {
      ...CUSTOMER_POPULATION,
      share: 0.5,
      regions: [
        ["Nairobi", 55],
        ["Mombasa", 20],
        ["Kisumu", 15],
        ["Nakuru", 10],
      ],
      segments: [
        ["Parent", 60],
        ["Young professional", 30],
        ["Corporate gift", 10],
      ],
    },
    {
      kind: "BENEFICIARY",
      share: 0.5,
      refPrefix: "B",
      regions: [
        ["Kisumu", 40],
        ["Siaya", 35],
        ["Homa Bay", 25],
      ],
      segments: [
        ["Primary school", 75],
        ["Secondary school", 25],
      ],
      ageBands: CHILD_AGES,
      genders: [
        ["FEMALE", 50],
        ["MALE", 50],
      ],
      dwellDays: BENEFICIARY_DWELL,
      paths: BENEFICIARY_PATHS,
      registeredBy: "Shule Bora Foundation",
      contactShare: 0,
    },
  ],
  programmes: [
    {
      name: "Shoes for school children",
      description: "School shoes for children in Kisumu, Siaya and Homa Bay: a pair for every pair sold",
      region: "Kisumu, Siaya and Homa Bay",
      unitOfDelivery: "pair of shoes",
      beneficiariesPerUnit: "1",
      partners: ["Shule Bora Foundation"],
    },
  ],
  offerings: [
    {
      name: "Hatua school shoe",
      description: "Leather school shoe; a pair given to a schoolchild for every pair sold",
      unitPriceMinor: 350000,
      unitsGivenPerUnit: "1",
      beneficiariesPerUnitGiven: "1",
      programme: "Shoes for school children",
      weight: 65,
      units: [1, 3],
    },
    {
      name: "Hatua canvas sneaker",
      description: "Canvas sneaker; a pair given for every pair sold",
      unitPriceMinor: 250000,
      unitsGivenPerUnit: "1",
      beneficiariesPerUnitGiven: "1",
      programme: "Shoes for school children",
      weight: 35,
      units: [1, 2],
    },
  ],
  anonymousSalesShare: 0.6,
  metrics: [
    { name: "Online conversion rate", category: "KPI", perspective: "CUSTOMER", kind: "OUTPUT", unit: "PERCENT", aggregation: "AVERAGE", baseline: 1.2, target: 2.5, start: 1.3, end: 2.1, noise: 0.3, decimals: 2 },
    { name: "Delivery time", category: "KPI", perspective: "CUSTOMER", kind: "INPUT", unit: "DAYS", direction: "LOWER_IS_BETTER", aggregation: "AVERAGE", baseline: 6, target: 3, start: 5.5, end: 3.6, noise: 0.2, decimals: 1 },
    { name: "Pairs given", category: "SOCIAL", perspective: "BENEFICIARY", kind: "OUTPUT", unit: "COUNT", unitLabel: "pairs", aggregation: "SUM", impactMode: "AT_SALE", baseline: 0, target: 1400, start: 80, end: 140, noise: 0.2, decimals: 0 },
    { name: "School attendance", category: "SOCIAL", perspective: "BENEFICIARY", kind: "OUTPUT", unit: "PERCENT", aggregation: "AVERAGE", impactMode: "IN_USE", catalogueCode: "PI2389", stage: { kind: "BENEFICIARY", position: 3 }, baseline: 78, target: 92, start: 81, end: 89, noise: 0.2, decimals: 1, byGender: true },
    { name: "Foot injuries reported", category: "SOCIAL", perspective: "BENEFICIARY", kind: "INPUT", unit: "PERCENT", direction: "LOWER_IS_BETTER", aggregation: "AVERAGE", impactMode: "IN_USE", stage: { kind: "BENEFICIARY", position: 4 }, baseline: 34, target: 10, start: 28, end: 14, noise: 0.15, decimals: 1 },
  ],
  surveys: [
    {
      name: "After delivery",
      audience: "CUSTOMER",
      touchpoint: "Delivery",
      weight: 3,
      mix: [60, 26, 14],
      questions: [
        { key: "nps", type: "NPS", text: "How likely are you to recommend Hatua to a friend?" },
        { key: "fit", type: "RATING", text: "How well do the shoes fit?" },
        { key: "size", type: "CHOICE", text: "Which size did you order?", options: ["Child", "Teen", "Adult"] },
        { key: "comment", type: "TEXT", text: "Tell us more" },
      ],
      comments: { promoter: ["Love that a child got a pair too", "Great fit, fast delivery"], passive: ["Nice shoes, delivery took long", "Fit is a little tight"], detractor: ["Wrong size delivered", "The sole came off after a month"] },
    },
    {
      name: "Returns experience",
      audience: "CUSTOMER",
      touchpoint: "Returns and exchanges",
      weight: 3,
      mix: [20, 30, 50],
      questions: [
        { key: "nps", type: "NPS", text: "How likely are you to recommend Hatua after this exchange?" },
        { key: "effort", type: "EFFORT", text: "How easy was the exchange?" },
        { key: "resolved", type: "YES_NO", text: "Was your problem solved?" },
      ],
      comments: { promoter: ["Exchange was easy"], passive: ["Took two weeks but fine"], detractor: ["I paid for shipping twice", "Still waiting for the new pair", "Nobody replied to my emails"] },
    },
    {
      name: "Classroom check-in",
      audience: "BENEFICIARY",
      touchpoint: "Classroom check-in",
      weight: 1,
      viaPartner: true,
      mix: [66, 22, 12],
      questions: [
        { key: "nps", type: "NPS", text: "Would you tell a friend these shoes are good?" },
        { key: "comfort", type: "RATING", text: "How comfortable are your shoes?" },
        { key: "everyday", type: "YES_NO", text: "Did you wear them every school day this week?" },
        { key: "travel", type: "CHOICE", text: "How do you get to school?", options: ["Walk", "Bicycle", "Boda-boda", "Bus"] },
      ],
      comments: CHILD_COMMENTS,
    },
  ],
  goals: [
    {
      statement: "Every child gets a pair that fits on distribution day",
      touchpoint: "Shoe distribution day",
      metrics: ["Foot injuries reported", "School attendance"],
      interventions: [
        { title: "Measure feet at enrolment", owner: "Programmes", status: "DONE" },
        { title: "Bring two spare sizes per class", owner: "Operations", status: "PLANNED" },
      ],
    },
  ],
};

export const TEMPLATES: Record<string, OrganizationTemplate> = { hybrid: HYBRID, solar: SOLAR, shoes: SHOES };

import { DeliverySpec, seedDeliveries } from "./demo-deliveries";
import { DataSource, EntityManager } from "typeorm";
import { Random } from "./random";
import { createDefaults } from "../src/modules/organization/organization.service";
import { DemoKey, demoKeySpecs, insertDemoKeys } from "./demo-keys";
import { ImpactSpec, seedImpact } from "./demo-impact";
import { FeedbackSpec, seedFeedback } from "./demo-feedback";
import { OutcomeSpec, seedOutcomes } from "./demo-outcomes";
import { RepeatPurchaseSpec, seedRepeatPurchases } from "./demo-repeat";
import { AgeBand, Gender, ImpactModel, PartnerKind, StakeholderKind, TouchpointChannel } from "../src/common/enums";

/** Fixed ids for the demo organizations, so the docs' example queries work as pasted (test/e2e/docs-examples.test.ts). */
export const DEMO_SOLAR_ID = "a0000000-0000-4000-8000-000000000001";
export const DEMO_SHOES_ID = "a0000000-0000-4000-8000-000000000002";

const DAY = 24 * 3600 * 1000;

interface TouchpointSpec {
  kind: StakeholderKind;
  stage: string;
  name: string;
  channel: TouchpointChannel;
  area: string;
  partner?: string;
  /** A recurring visit (a monthly check-in): one more visit every so many days of the stay. */
  repeatEveryDays?: number;
}

interface PopulationSpec {
  kind: StakeholderKind;
  count: number;
  refPrefix: string;
  regions: readonly (readonly [string, number])[];
  segments: readonly (readonly [string, number])[];
  ageBands: readonly (readonly [AgeBand, number])[];
  genders: readonly (readonly [Gender, number])[];
  /** Days spent in each stage before the next step, [min, max], by stage position. */
  dwellDays: readonly (readonly [number, number])[];
  /** From stage position i: where a stakeholder goes next (position), or null to stay. */
  next: (position: number, rng: Random) => number | null;
}

interface OrganizationSpec {
  id: string;
  name: string;
  impactModel: ImpactModel;
  currency: string;
  seed: number;
  partners: { name: string; kind: PartnerKind; region: string }[];
  extraAreas: string[];
  touchpoints: TouchpointSpec[];
  populations: PopulationSpec[];
  impact: ImpactSpec;
  feedback: FeedbackSpec;
  /** Customers who buy again, by how happy they are (added after the first demo; its own generator). */
  repeatPurchases?: RepeatPurchaseSpec;
  /** The narrative of the default report period (the 12 whole months before the anchor's month). */
  narrative: string;
  /** Monthly deliveries of a programme by its field partner (src/modules/delivery), if it has them. */
  deliveries?: DeliverySpec;
  /** Outcomes measured from feedback (src/modules/outcome): a survey at purchase and six months on, if it has them. */
  outcomes?: OutcomeSpec;
}

const KENYA_REGIONS = [
  ["Nakuru", 30],
  ["Kisumu", 25],
  ["Machakos", 20],
  ["Kakamega", 15],
  ["Turkana", 10],
] as const;

const ADULT_AGES = [
  [AgeBand.AGE_18_24, 12],
  [AgeBand.AGE_25_34, 30],
  [AgeBand.AGE_35_44, 28],
  [AgeBand.AGE_45_54, 18],
  [AgeBand.AGE_55_64, 8],
  [AgeBand.AGE_65_PLUS, 4],
] as const;

const { CUSTOMER, BENEFICIARY } = StakeholderKind;
const C = TouchpointChannel;

/** A solar-lamp company: its customers are its beneficiaries; impact happens in use. */
const SOLAR_IMPACT: ImpactSpec = {
  anonymousSalesPerMonth: [4, 10],
  programmes: [
    {
      name: "Solar lights for rural classrooms",
      description: "Solar lighting for classrooms without grid power, paid for by 2% of each home kit sold",
      region: "Kisumu",
      unitOfDelivery: "classroom light kit",
      partners: [],
    },
  ],
  offerings: [
    {
      name: "Jua Lamp S",
      description: "A solar study lamp with a phone charger, pay-as-you-go over 6 months",
      unitPriceMinor: 300000,
      weight: 70,
      units: [1, 1],
    },
    {
      name: "Jua Home Kit",
      description: "Three lights, a radio and a phone charger; 2% of each sale lights a classroom",
      unitPriceMinor: 1200000,
      revenueShareBps: 200,
      programme: "Solar lights for rural classrooms",
      amountPerBeneficiaryMinor: 150000,
      weight: 30,
      units: [1, 1],
    },
  ],
  metrics: [
    {
      name: "Repair turnaround",
      description: "Days from a fault report to a working lamp",
      category: "KPI",
      perspective: "CUSTOMER",
      kind: "INPUT",
      unit: "DAYS",
      direction: "LOWER_IS_BETTER",
      aggregation: "AVERAGE",
      baseline: 12,
      target: 5,
      start: 11,
      end: 6,
      noise: 0.15,
      decimals: 1,
    },
    {
      name: "Pay-as-you-go repayment rate",
      description: "Share of instalments paid on time",
      category: "KPI",
      perspective: "ORGANIZATION",
      kind: "OUTPUT",
      unit: "PERCENT",
      aggregation: "AVERAGE",
      baseline: 78,
      target: 90,
      start: 79,
      end: 87,
      noise: 0.2,
      decimals: 1,
    },
    {
      name: "Kerosene spending avoided",
      description: "Monthly spending on kerosene a household no longer has, in KES",
      category: "SOCIAL",
      perspective: "CUSTOMER",
      kind: "OUTPUT",
      unit: "CURRENCY",
      unitLabel: "KES per household per month",
      aggregation: "AVERAGE",
      impactMode: "IN_USE",
      stage: { kind: "CUSTOMER", name: "Use" },
      estimationNote: "Phone survey at 30 days of use: kerosene bought the month before purchase minus the last month",
      baseline: 0,
      target: 600,
      start: 420,
      end: 560,
      noise: 0.25,
      decimals: 0,
      byGender: { femaleOffset: 25, sampleSize: [18, 45] },
    },
    {
      name: "Evening study hours per child",
      description: "Hours a school-age child studies after dark, per day",
      category: "SOCIAL",
      perspective: "CUSTOMER",
      kind: "OUTPUT",
      unit: "HOURS",
      aggregation: "AVERAGE",
      impactMode: "IN_USE",
      stage: { kind: "CUSTOMER", name: "Use" },
      estimationNote: "Reported by the household at the usage call",
      baseline: 0.8,
      target: 2.5,
      start: 1.6,
      end: 2.3,
      noise: 0.3,
      decimals: 2,
      byGender: { femaleOffset: 0.1, sampleSize: [15, 40] },
    },
    {
      name: "Classrooms lit",
      description: "Classrooms given solar lights from Home Kit sales",
      category: "SOCIAL",
      perspective: "BENEFICIARY",
      kind: "OUTPUT",
      unit: "COUNT",
      unitLabel: "classrooms",
      aggregation: "SUM",
      impactMode: "AT_SALE",
      baseline: 0,
      target: 40,
      start: 2,
      end: 5,
      noise: 0.4,
      decimals: 0,
    },
  ],
};


/** When Mwanga Solar began testing repaired lamps at the depot: the repair visit's answers are better from then on. */
export const REPAIR_DEPOT_TEST_DAYS_AGO = 120;

const SOLAR_FEEDBACK: FeedbackSpec = {
  surveys: [
    {
      name: "After installation",
      audience: "CUSTOMER",
      touchpoint: "Installation visit",
      responseRate: 0.6,
      mix: [58, 27, 15],
      questions: [
        { key: "nps", type: "NPS", text: "How likely are you to recommend Mwanga Solar to a neighbour?" },
        { key: "works", type: "YES_NO", text: "Did the lamp work on the first evening?" },
        { key: "install", type: "RATING", text: "How was the installation?" },
        { key: "comment", type: "TEXT", text: "Anything we should know?" },
      ],
      comments: {
        promoter: ["The children can study at night now", "Bright light, no more kerosene smoke", "The agent explained everything well"],
        passive: ["Works well but the charger cable is short", "Good lamp, payments are a bit high", "Fine so far"],
        detractor: ["The lamp stopped after two days", "The agent came late and left quickly", "The panel was cracked on arrival"],
      },
    },
    {
      name: "Thirty-day check",
      audience: "CUSTOMER",
      touchpoint: "Thirty-day usage call",
      responseRate: 0.55,
      mix: [62, 25, 13],
      questions: [
        { key: "nps", type: "NPS", text: "How likely are you to recommend the lamp to a friend?" },
        { key: "hours", type: "CHOICE", text: "How many hours a night do you use it?", options: ["Under 2", "2 to 4", "Over 4"] },
        { key: "saving", type: "RATING", text: "How much has it cut what you spend on kerosene?" },
      ],
      comments: {
        promoter: ["We save money every week", "My shop stays open later", "Reading is easier for my daughter"],
        passive: ["Good, but cloudy days are hard", "Battery lasts less than I hoped"],
        detractor: ["The battery dies by nine", "Too expensive for what it gives"],
      },
    },
    {
      name: "Repair follow-up",
      audience: "CUSTOMER",
      touchpoint: "Repair visit",
      responseRate: 0.9,
      // The worst touchpoint, on purpose: repairs take too long; better once repaired lamps are tested at the depot.
      mix: [22, 30, 48],
      improvedFrom: { daysAgo: REPAIR_DEPOT_TEST_DAYS_AGO, mix: [52, 32, 16] },
      questions: [
        { key: "nps", type: "NPS", text: "After this repair, how likely are you to recommend us?" },
        { key: "effort", type: "EFFORT", text: "How easy was it to get the lamp repaired?" },
        { key: "fixed", type: "YES_NO", text: "Is the lamp working now?" },
      ],
      comments: {
        promoter: ["Fixed the same day, thank you", "The technician was kind and quick"],
        passive: ["It works again but took a week", "Repair fine, communication poor"],
        detractor: ["Three weeks without light", "Nobody answered the helpline", "They took the lamp and did not bring it back for a month"],
      },
    },
  ],
  goals: [
    {
      statement: "The lamp works the day it arrives",
      touchpoint: "Installation visit",
      metrics: ["Repair turnaround"],
      interventions: [
        { title: "Test every lamp at the depot before delivery", owner: "Operations", startDaysAgo: 200, lengthDays: 60, status: "DONE" },
        { title: "Spare-parts kits for field agents", owner: "Operations", startDaysAgo: 60, lengthDays: 120, status: "IN_PROGRESS" },
      ],
    },
    {
      statement: "A broken lamp is working again within five days",
      touchpoint: "Repair visit",
      metrics: ["Repair turnaround"],
      interventions: [
        { title: "Call back every repair request within 24 hours", owner: "Customer service", startDaysAgo: 30, lengthDays: 90, status: "IN_PROGRESS" },
        // The repair touchpoint's mix improves from this day on (the repair survey's improvedFrom).
        { title: "Depot test of repaired lamps", owner: "Operations", startDaysAgo: REPAIR_DEPOT_TEST_DAYS_AGO, lengthDays: 60, status: "DONE" },
      ],
    },
  ],
  loopsGoWithRecovery: true,
};

const SOLAR: OrganizationSpec = {
  id: DEMO_SOLAR_ID,
  impact: SOLAR_IMPACT,
  feedback: SOLAR_FEEDBACK,
  // A second lamp for the household: promoters buy one far more often than detractors.
  repeatPurchases: { offering: "Jua Lamp S", chance: { promoter: 0.65, passive: 0.3, detractor: 0.05 }, afterDays: [5, 45] },
  narrative: [
    "This year Mwanga Solar lit homes in five counties, most of them off-grid farming households. Families tell us they spend less on kerosene and that children study longer after dark.",
    "Repairs are our weak point: customers waiting for a repaired lamp are our unhappiest, and the detractors we called back told us why. Since the second half of the year every lamp is tested at the depot and field agents carry spare parts; the repair turnaround is falling.",
    "Two percent of every Home Kit sale now lights rural classrooms, counted in the impact at sale.",
  ].join("\n\n"),
  name: "Mwanga Solar",
  outcomes: {
    survey: "Household lighting check",
    stage: "Use",
    followUpDays: 182,
    // Most households spend less on kerosene and study longer; some stay where they were; a few do worse (a lamp broken, a move).
    mix: [0.78, 0.15, 0.07],
    questions: [
      {
        key: "kerosene_spend",
        text: "How much did the household spend on kerosene last month?",
        unit: "KES per month",
        min: 0,
        max: 5000,
        metric: { name: "Kerosene spend per month", description: "What a household spent on kerosene the month before, as it says at purchase and six months on", unitLabel: "KES per household per month", unit: "CURRENCY", direction: "LOWER_IS_BETTER" },
        baseline: (rng) => 10 * rng.int(50, 130),
        improved: (rng, b) => 10 * Math.round((b * (0.15 + 0.45 * rng.next())) / 10),
        worse: (rng, b) => 10 * Math.round((b * (1.05 + 0.25 * rng.next())) / 10),
      },
      {
        key: "study_hours",
        text: "How many hours of light do the children have to study by in the evening?",
        unit: "hours per evening",
        min: 0,
        max: 12,
        metric: { name: "Hours of study light per evening", description: "Hours of light the household's children have to study by, as it says at purchase and six months on", unitLabel: "hours per evening", unit: "HOURS", direction: "HIGHER_IS_BETTER" },
        baseline: (rng) => rng.int(1, 3) / 2,
        improved: (rng, b) => b + rng.int(2, 6) / 2,
        worse: (rng, b) => Math.max(0, b - 0.5),
      },
    ],
  },
  impactModel: ImpactModel.CUSTOMER_IS_BENEFICIARY,
  currency: "KES",
  seed: 20261101,
  partners: [
    { name: "Rift Valley Distributors", kind: PartnerKind.DISTRIBUTOR, region: "Nakuru" },
    { name: "Jua Field Agents", kind: PartnerKind.FIELD_PARTNER, region: "Kisumu" },
  ],
  extraAreas: [],
  touchpoints: [
    { kind: CUSTOMER, stage: "Need", name: "Radio advert", channel: C.RADIO, area: "Marketing" },
    { kind: CUSTOMER, stage: "Need", name: "Market-day stall", channel: C.IN_PERSON, area: "Marketing", partner: "Jua Field Agents" },
    { kind: CUSTOMER, stage: "Research", name: "Village demonstration", channel: C.IN_PERSON, area: "Sales", partner: "Jua Field Agents" },
    { kind: CUSTOMER, stage: "Research", name: "Price enquiry by SMS", channel: C.SMS, area: "Sales" },
    { kind: CUSTOMER, stage: "Purchase", name: "Agent sale with pay-as-you-go plan", channel: C.IN_PERSON, area: "Sales", partner: "Rift Valley Distributors" },
    { kind: CUSTOMER, stage: "Purchase", name: "Mobile-money deposit", channel: C.SMS, area: "Finance" },
    { kind: CUSTOMER, stage: "Use", name: "Installation visit", channel: C.FIELD_VISIT, area: "Operations", partner: "Rift Valley Distributors" },
    { kind: CUSTOMER, stage: "Use", name: "Thirty-day usage call", channel: C.PHONE, area: "Customer service", repeatEveryDays: 45 },
    { kind: CUSTOMER, stage: "Support", name: "Helpline", channel: C.PHONE, area: "Customer service" },
    { kind: CUSTOMER, stage: "Support", name: "Repair visit", channel: C.FIELD_VISIT, area: "Operations", partner: "Rift Valley Distributors" },
    { kind: CUSTOMER, stage: "Renew or exit", name: "Upgrade offer", channel: C.SMS, area: "Sales" },
  ],
  populations: [
    {
      kind: CUSTOMER,
      count: 320,
      refPrefix: "MS-C",
      regions: KENYA_REGIONS,
      segments: [
        ["Off-grid farming household", 55],
        ["Small shop owner", 25],
        ["Boda-boda rider", 20],
      ],
      ageBands: ADULT_AGES,
      genders: [
        [Gender.FEMALE, 52],
        [Gender.MALE, 45],
        [Gender.UNDISCLOSED, 3],
      ],
      // Need, Research, Purchase, Use, Support, Renew or exit
      dwellDays: [
        [1, 14],
        [2, 21],
        [1, 5],
        [30, 150],
        [2, 20],
        [5, 30],
      ],
      next: (p, rng) => {
        if (p === 0) return rng.chance(0.8) ? 1 : null;
        if (p === 1) return rng.chance(0.62) ? 2 : null;
        if (p === 2) return rng.chance(0.97) ? 3 : null;
        if (p === 3) return rng.chance(0.6) ? 4 : rng.chance(0.3) ? 5 : null;
        if (p === 4) return rng.chance(0.75) ? 3 : 5; // most repairs put the lamp back in use
        return null;
      },
    },
  ],
};

/** A school-shoe company: every pair sold gives a pair to a schoolchild; impact is created at sale. */
const SHOES_IMPACT: ImpactSpec = {
  anonymousSalesPerMonth: [25, 45],
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
  metrics: [
    {
      name: "Online conversion rate",
      description: "Share of product-page visits that end in a purchase",
      category: "KPI",
      perspective: "CUSTOMER",
      kind: "OUTPUT",
      unit: "PERCENT",
      aggregation: "AVERAGE",
      baseline: 1.2,
      target: 2.5,
      start: 1.3,
      end: 2.1,
      noise: 0.3,
      decimals: 2,
    },
    {
      name: "Delivery time",
      description: "Days from order to delivery",
      category: "KPI",
      perspective: "CUSTOMER",
      kind: "INPUT",
      unit: "DAYS",
      direction: "LOWER_IS_BETTER",
      aggregation: "AVERAGE",
      baseline: 6,
      target: 3,
      start: 5.5,
      end: 3.6,
      noise: 0.2,
      decimals: 1,
    },
    {
      name: "Pairs given",
      description: "Pairs of shoes given to schoolchildren, as created by sales",
      category: "SOCIAL",
      perspective: "BENEFICIARY",
      kind: "OUTPUT",
      unit: "COUNT",
      unitLabel: "pairs",
      aggregation: "SUM",
      impactMode: "AT_SALE",
      baseline: 0,
      target: 1400,
      start: 0,
      end: 0,
      noise: 0,
      decimals: 0,
      fromUnitsGiven: true,
    },
    {
      name: "School attendance",
      description: "Share of school days attended by children who received shoes",
      category: "SOCIAL",
      perspective: "BENEFICIARY",
      kind: "OUTPUT",
      unit: "PERCENT",
      aggregation: "AVERAGE",
      impactMode: "IN_USE",
      catalogueCode: "PI2389",
      stage: { kind: "BENEFICIARY", name: "Uses" },
      estimationNote: "School registers collected by Shule Bora Foundation each month",
      baseline: 78,
      target: 92,
      start: 81,
      end: 89,
      noise: 0.2,
      decimals: 1,
      byGender: { femaleOffset: 1.5, sampleSize: [40, 80] },
    },
    {
      name: "Foot injuries reported",
      description: "Share of children reporting a foot injury or infection in the last month",
      category: "SOCIAL",
      perspective: "BENEFICIARY",
      kind: "OUTPUT",
      unit: "PERCENT",
      direction: "LOWER_IS_BETTER",
      aggregation: "AVERAGE",
      impactMode: "IN_USE",
      stage: { kind: "BENEFICIARY", name: "Outcome" },
      estimationNote: "Health check by the school nurse at the attendance review",
      baseline: 34,
      target: 10,
      start: 28,
      end: 14,
      noise: 0.15,
      decimals: 1,
    },
  ],
};


const SHOES_FEEDBACK: FeedbackSpec = {
  surveys: [
    {
      name: "After delivery",
      audience: "CUSTOMER",
      touchpoint: "Delivery",
      responseRate: 0.75,
      mix: [60, 26, 14],
      questions: [
        { key: "nps", type: "NPS", text: "How likely are you to recommend Hatua to a friend?" },
        { key: "fit", type: "RATING", text: "How well do the shoes fit?" },
        { key: "comment", type: "TEXT", text: "Tell us more" },
      ],
      comments: {
        promoter: ["Love that a child got a pair too", "Great fit, fast delivery", "My son wears them every day"],
        passive: ["Nice shoes, delivery took long", "Fit is a little tight"],
        detractor: ["Wrong size delivered", "The sole came off after a month"],
      },
    },
    {
      name: "Returns experience",
      audience: "CUSTOMER",
      touchpoint: "Returns and exchanges",
      responseRate: 0.9,
      // The worst touchpoint, on purpose: exchanges are slow.
      mix: [20, 30, 50],
      questions: [
        { key: "nps", type: "NPS", text: "How likely are you to recommend Hatua after this exchange?" },
        { key: "effort", type: "EFFORT", text: "How easy was the exchange?" },
      ],
      comments: {
        promoter: ["Exchange was easy"],
        passive: ["Took two weeks but fine"],
        detractor: ["I paid for shipping twice", "Still waiting for the new pair", "Nobody replied to my emails"],
      },
    },
    {
      name: "Classroom check-in",
      audience: "BENEFICIARY",
      touchpoint: "Classroom check-in",
      responseRate: 0.65,
      viaPartner: true,
      mix: [66, 22, 12],
      questions: [
        { key: "nps", type: "NPS", text: "Would you tell a friend these shoes are good?" },
        { key: "comfort", type: "RATING", text: "How comfortable are your shoes?" },
        { key: "everyday", type: "YES_NO", text: "Did you wear them every school day this week?" },
        { key: "travel", type: "CHOICE", text: "How do you get to school?", options: ["Walk", "Bicycle", "Boda-boda", "Bus"] },
      ],
      comments: {
        promoter: ["My feet do not hurt on the way to school", "I can play football at break", "I am proud of my shoes"],
        passive: ["They are a bit big", "Good but get wet in the rain"],
        detractor: ["They hurt my toes", "My little brother needs them too"],
      },
    },
  ],
  goals: [
    {
      statement: "Every child gets a pair that fits on distribution day",
      touchpoint: "Shoe distribution day",
      metrics: ["Foot injuries reported", "School attendance"],
      interventions: [
        { title: "Measure feet at enrolment", owner: "Programmes", startDaysAgo: 250, lengthDays: 30, status: "DONE" },
        { title: "Bring two spare sizes per class", owner: "Operations", startDaysAgo: -10, lengthDays: 90, status: "PLANNED" },
      ],
    },
  ],
};

const SHOES: OrganizationSpec = {
  id: DEMO_SHOES_ID,
  impact: SHOES_IMPACT,
  // Shule Bora hands out most of the pairs funded so far on the 6th of each month (a backlog stays), and a
  // third of them four months before the anchor's month (the slow month: the rains closed the roads).
  deliveries: {
    programme: "Shoes for school children",
    partner: "Shule Bora Foundation",
    sites: ["Kisumu Central Primary", "Siaya Township Primary", "Homa Bay Primary", "Kondele Primary"],
    day: 6,
    hour: 7,
    share: 0.85,
    slowMonthsAgo: 4,
    slowShare: 0.3,
    named: [3, 6],
  },
  feedback: SHOES_FEEDBACK,
  narrative: [
    "Every pair sold gave a pair to a schoolchild in Kisumu, Siaya or Homa Bay, delivered by the Shule Bora Foundation on distribution days.",
    "Attendance among the children who received shoes kept rising, and fewer report foot injuries at the school nurse's check. Children and teachers answered our classroom check-ins through Shule Bora's tablets, often days after the visit.",
    "Exchanges are where customers are least happy; we are shortening them and measuring feet at enrolment so that fewer pairs need changing.",
  ].join("\n\n"),
  name: "Hatua Shoes",
  impactModel: ImpactModel.CUSTOMER_FUNDS_BENEFICIARY,
  currency: "KES",
  seed: 20261102,
  partners: [
    { name: "Shule Bora Foundation", kind: PartnerKind.FIELD_PARTNER, region: "Kisumu" },
    { name: "Nairobi Retail Partners", kind: PartnerKind.DISTRIBUTOR, region: "Nairobi" },
  ],
  extraAreas: ["E-commerce"],
  touchpoints: [
    { kind: CUSTOMER, stage: "Need", name: "Instagram campaign", channel: C.SOCIAL_MEDIA, area: "Marketing" },
    { kind: CUSTOMER, stage: "Research", name: "Product page", channel: C.WEB, area: "E-commerce" },
    { kind: CUSTOMER, stage: "Research", name: "Store fitting", channel: C.RETAIL, area: "Sales", partner: "Nairobi Retail Partners" },
    { kind: CUSTOMER, stage: "Purchase", name: "Online checkout", channel: C.WEB, area: "E-commerce" },
    { kind: CUSTOMER, stage: "Purchase", name: "Store purchase", channel: C.RETAIL, area: "Sales", partner: "Nairobi Retail Partners" },
    { kind: CUSTOMER, stage: "Use", name: "Delivery", channel: C.OTHER, area: "Operations" },
    { kind: CUSTOMER, stage: "Use", name: "Impact story email", channel: C.EMAIL, area: "Marketing" },
    { kind: CUSTOMER, stage: "Support", name: "Returns and exchanges", channel: C.WEB, area: "Customer service" },
    { kind: CUSTOMER, stage: "Renew or exit", name: "Back-to-school reminder", channel: C.EMAIL, area: "Marketing" },
    { kind: BENEFICIARY, stage: "Identified", name: "School needs assessment", channel: C.FIELD_VISIT, area: "Programmes", partner: "Shule Bora Foundation" },
    { kind: BENEFICIARY, stage: "Enrolled", name: "Enrolment and foot measurement", channel: C.IN_PERSON, area: "Programmes", partner: "Shule Bora Foundation" },
    { kind: BENEFICIARY, stage: "Receives", name: "Shoe distribution day", channel: C.IN_PERSON, area: "Operations", partner: "Shule Bora Foundation" },
    { kind: BENEFICIARY, stage: "Uses", name: "Classroom check-in", channel: C.FIELD_VISIT, area: "Programmes", partner: "Shule Bora Foundation", repeatEveryDays: 45 },
    { kind: BENEFICIARY, stage: "Outcome", name: "Attendance review", channel: C.IN_PERSON, area: "Programmes", partner: "Shule Bora Foundation" },
  ],
  populations: [
    {
      kind: CUSTOMER,
      count: 260,
      refPrefix: "HS-C",
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
      ageBands: ADULT_AGES,
      genders: [
        [Gender.FEMALE, 58],
        [Gender.MALE, 40],
        [Gender.OTHER, 2],
      ],
      dwellDays: [
        [0, 7],
        [1, 10],
        [1, 4],
        [20, 120],
        [2, 14],
        [10, 60],
      ],
      next: (p, rng) => {
        if (p === 0) return rng.chance(0.7) ? 1 : null;
        if (p === 1) return rng.chance(0.5) ? 2 : null;
        if (p === 2) return 3;
        if (p === 3) return rng.chance(0.45) ? 4 : rng.chance(0.55) ? 5 : null;
        if (p === 4) return rng.chance(0.6) ? 3 : 5;
        if (p === 5) return rng.chance(0.35) ? 2 : null; // a repeat purchase
        return null;
      },
    },
    {
      kind: BENEFICIARY,
      count: 240,
      refPrefix: "HS-B",
      regions: [
        ["Kisumu", 40],
        ["Siaya", 35],
        ["Homa Bay", 25],
      ],
      segments: [
        ["Primary school", 75],
        ["Secondary school", 25],
      ],
      ageBands: [
        [AgeBand.UNDER_18, 97],
        [AgeBand.AGE_18_24, 3],
      ],
      genders: [
        [Gender.FEMALE, 50],
        [Gender.MALE, 50],
      ],
      // Identified, Enrolled, Receives, Uses, Outcome, Exit
      dwellDays: [
        [3, 30],
        [7, 45],
        [1, 3],
        [60, 200],
        [20, 60],
        [30, 90],
      ],
      next: (p, rng) => {
        if (p === 0) return rng.chance(0.9) ? 1 : null;
        if (p === 1) return rng.chance(0.92) ? 2 : null;
        if (p === 2) return 3;
        if (p === 3) return rng.chance(0.7) ? 4 : null;
        if (p === 4) return rng.chance(0.5) ? 5 : null;
        return null;
      },
    },
  ],
};

export const DEMO_ORGANIZATIONS = [SOLAR, SHOES];

export interface SeedResult {
  organizations: number;
  stakeholders: number;
  transitions: number;
  interactions: number;
  sales: number;
  observations: number;
  responses: number;
  actions: number;
  deliveries: number;
  /** The demo keys, made at random (shown once: only their hashes are stored). */
  keys: DemoKey[];
}

/** Loads the demo organizations when the database holds no organization at all. */
export async function seedDemoIfEmpty(db: DataSource, anchor?: Date): Promise<SeedResult | null> {
  const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM organizations`);
  if (n > 0) return null;
  return seedDemo(db, anchor);
}

/**
 * Loads both demo organizations in one transaction. Deterministic: the same seed
 * gives the same rows and ids; times are laid out over the 12 months before
 * `anchor` (default: today, midnight UTC).
 */
export async function seedDemo(db: DataSource, anchor: Date = startOfTodayUtc()): Promise<SeedResult> {
  const result = await db.transaction(async (em) => {
    await em.query(`SELECT set_config('app.operation', 'seed', true)`);
    const total: SeedResult = { organizations: 0, stakeholders: 0, transitions: 0, interactions: 0, sales: 0, observations: 0, responses: 0, actions: 0, deliveries: 0, keys: [] };
    for (const spec of DEMO_ORGANIZATIONS) {
      const r = await seedOrganization(em, spec, anchor);
      total.organizations += 1;
      total.stakeholders += r.stakeholders;
      total.transitions += r.transitions;
      total.interactions += r.interactions;
      total.sales += r.sales;
      total.observations += r.observations;
      total.responses += r.responses;
      total.actions += r.actions;
      total.deliveries += r.deliveries;
    }
    total.keys = await insertDemoKeys(em, demoKeySpecs(DEMO_SOLAR_ID, DEMO_SHOES_ID));
    return total;
  });
  // Statistics for the planner now, not when autovacuum first comes by (a minute or more later):
  // without them the views pick plans that take seconds instead of milliseconds on the new rows
  // (measured: quality of experience by touchpoint 11.6 s before ANALYZE, 0.18 s after).
  await db.query("ANALYZE");
  return result;
}

function fail(message: string): never {
  throw new Error(message);
}

function startOfTodayUtc(): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

async function seedOrganization(em: EntityManager, spec: OrganizationSpec, anchor: Date) {
  const rng = new Random(spec.seed);
  const org = spec.id;
  const yearAgo = new Date(anchor.getTime() - 365 * DAY);
  await em.query(`INSERT INTO organizations (id, name, impact_model, currency, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)`, [
    org,
    spec.name,
    spec.impactModel,
    spec.currency,
    new Date(yearAgo.getTime() - 30 * DAY),
  ]);
  await createDefaults(em, org, () => rng.uuid());
  if (spec.extraAreas.length) {
    await em.query(`INSERT INTO functional_areas (organization_id, id, name) SELECT $1, unnest($2::uuid[]), unnest($3::text[])`, [
      org,
      spec.extraAreas.map(() => rng.uuid()),
      spec.extraAreas,
    ]);
  }
  const partnerIds = new Map<string, string>();
  for (const p of spec.partners) {
    const id = rng.uuid();
    partnerIds.set(p.name, id);
    await em.query(`INSERT INTO partners (organization_id, id, name, kind, region) VALUES ($1, $2, $3, $4, $5)`, [org, id, p.name, p.kind, p.region]);
  }
  const areas = new Map<string, string>(
    (await em.query(`SELECT id, name FROM functional_areas WHERE organization_id = $1`, [org])).map((r: { id: string; name: string }) => [r.name, r.id]),
  );
  const stageRows: { id: string; name: string; kind: StakeholderKind; position: number }[] = await em.query(
    `SELECT id, name, kind, position FROM stages WHERE organization_id = $1 ORDER BY kind, position`,
    [org],
  );
  const stageByName = (kind: StakeholderKind, name: string) => {
    const s = stageRows.find((r) => r.kind === kind && r.name === name);
    if (!s) throw new Error(`demo data: no ${kind} stage "${name}"`);
    return s;
  };
  // Touchpoints, by stage.
  const touchpointsByStage = new Map<string, string[]>();
  const touchpointByName = new Map<string, { id: string; partnerId: string | null; stageId: string; kind: string }>();
  const repeatEvery = new Map<string, number>();
  for (const tp of spec.touchpoints) {
    const id = rng.uuid();
    const stage = stageByName(tp.kind, tp.stage);
    const area = areas.get(tp.area);
    if (!area) throw new Error(`demo data: no functional area "${tp.area}"`);
    await em.query(
      `INSERT INTO touchpoints (organization_id, id, stage_id, kind, name, channel, functional_area_id, partner_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [org, id, stage.id, tp.kind, tp.name, tp.channel, area, tp.partner ? partnerIds.get(tp.partner) : null],
    );
    touchpointsByStage.set(stage.id, [...(touchpointsByStage.get(stage.id) ?? []), id]);
    if (tp.repeatEveryDays) repeatEvery.set(id, tp.repeatEveryDays);
    touchpointByName.set(tp.name, { id, partnerId: tp.partner ? partnerIds.get(tp.partner)! : null, stageId: stage.id, kind: tp.kind });
  }

  // Stakeholders with journeys and interactions.
  const s = { id: [] as string[], kind: [] as string[], ref: [] as string[], gender: [] as string[], age: [] as string[], region: [] as string[], segment: [] as string[], stage: [] as string[], entered: [] as Date[], created: [] as Date[] };
  const t = { id: [] as string[], sid: [] as string[], kind: [] as string[], from: [] as (string | null)[], to: [] as string[], at: [] as Date[] };
  const i = { id: [] as string[], sid: [] as string[], tp: [] as string[], kind: [] as string[], at: [] as Date[] };
  for (const pop of spec.populations) {
    const stages = stageRows.filter((r) => r.kind === pop.kind);
    for (let n = 1; n <= pop.count; n++) {
      const id = rng.uuid();
      // Start somewhere in the last 12 months, more recently more often (a growing organization).
      const ageDays = 365 * Math.pow(rng.next(), 1.3);
      let at = new Date(anchor.getTime() - ageDays * DAY - rng.int(0, 12 * 3600) * 1000);
      let position = 0;
      let from: string | null = null;
      let last = { stage: stages[0].id, at };
      for (let step = 0; step < 12; step++) {
        const stage = stages[position];
        t.id.push(rng.uuid());
        t.sid.push(id);
        t.kind.push(pop.kind);
        t.from.push(from);
        t.to.push(stage.id);
        t.at.push(at);
        last = { stage: stage.id, at };
        const [min, max] = pop.dwellDays[position];
        const dwellMs = (min + rng.next() * (max - min)) * DAY;
        for (const tp of touchpointsByStage.get(stage.id) ?? []) {
          const every = repeatEvery.get(tp);
          const visits = every ? 1 + Math.floor(dwellMs / (every * DAY)) : 1;
          for (let v = 0; v < visits; v++) {
            if (!rng.chance(0.6)) continue;
            const when = every
              ? new Date(at.getTime() + (v + rng.next()) * every * DAY)
              : new Date(at.getTime() + rng.next() * Math.max(dwellMs, 3600 * 1000));
            if (when >= anchor || when.getTime() > at.getTime() + Math.max(dwellMs, 3600 * 1000)) continue;
            i.id.push(rng.uuid());
            i.sid.push(id);
            i.tp.push(tp);
            i.kind.push(pop.kind);
            i.at.push(when);
          }
        }
        const next = pop.next(position, rng);
        const nextAt = new Date(at.getTime() + dwellMs);
        if (next === null || nextAt >= anchor) break;
        from = stage.id;
        position = next;
        at = nextAt;
      }
      s.id.push(id);
      s.kind.push(pop.kind);
      s.ref.push(`${pop.refPrefix}-${String(n).padStart(5, "0")}`);
      s.gender.push(rng.weighted(pop.genders));
      s.age.push(rng.weighted(pop.ageBands));
      s.region.push(rng.weighted(pop.regions));
      s.segment.push(rng.weighted(pop.segments));
      s.stage.push(last.stage);
      s.entered.push(last.at);
      s.created.push(t.at[t.sid.indexOf(id)]);
    }
  }
  await em.query(
    // Record keys (the cell-key method's, src/common/perturbation.ts) from the ids, not drawn at random: the demo's
    // funder figures, shown in the docs and checked by their tests, are the same on every load.
    `INSERT INTO stakeholders (organization_id, id, kind, external_ref, gender, age_band, region, segment, current_stage_id, current_stage_entered_at, created_at, updated_at, record_key)
     SELECT $1, u.* , u.created, ('x' || substr(md5('demo record key ' || u.id::text), 1, 5))::bit(20)::integer FROM unnest($2::uuid[], $3::stakeholder_kind[], $4::text[], $5::gender[], $6::age_band[], $7::text[], $8::text[], $9::uuid[], $10::timestamptz[], $11::timestamptz[])
       AS u(id, kind, ref, gender, age, region, segment, stage, entered, created)`,
    [org, s.id, s.kind, s.ref, s.gender, s.age, s.region, s.segment, s.stage, s.entered, s.created],
  );
  await em.query(
    `INSERT INTO stage_transitions (organization_id, id, stakeholder_id, kind, from_stage_id, to_stage_id, occurred_at, created_at)
     SELECT $1, u.*, u.at FROM unnest($2::uuid[], $3::uuid[], $4::stakeholder_kind[], $5::uuid[], $6::uuid[], $7::timestamptz[]) AS u(id, sid, kind, f, t, at)`,
    [org, t.id, t.sid, t.kind, t.from, t.to, t.at],
  );
  await em.query(
    `INSERT INTO interactions (organization_id, id, stakeholder_id, touchpoint_id, kind, occurred_at, created_at)
     SELECT $1, u.*, u.at FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::stakeholder_kind[], $6::timestamptz[]) AS u(id, sid, tp, kind, at)`,
    [org, i.id, i.sid, i.tp, i.kind, i.at],
  );
  // A beneficiary is registered by the partner whose touchpoint it met first (Shule Bora registers the
  // schoolchildren at the needs assessment), so the demo field partner's key has beneficiaries of its own.
  await em.query(
    `UPDATE stakeholders s SET registered_by_partner_id = f.partner_id
       FROM (SELECT DISTINCT ON (i.stakeholder_id) i.stakeholder_id, t.partner_id
               FROM interactions i JOIN touchpoints t ON t.organization_id = i.organization_id AND t.id = i.touchpoint_id
              WHERE i.organization_id = $1 AND i.kind = 'BENEFICIARY'
              ORDER BY i.stakeholder_id, i.occurred_at, i.id) f
      WHERE s.organization_id = $1 AND s.id = f.stakeholder_id AND f.partner_id IS NOT NULL`,
    [org],
  );
  // A year of sales (following the journeys: a customer buys when it enters Purchase), metrics, targets, observations.
  const purchases = t.id
    .map((_, k) => ({ customerId: t.sid[k], at: t.at[k], kind: t.kind[k], stage: t.to[k] }))
    .filter((x) => x.kind === StakeholderKind.CUSTOMER && x.stage === stageByName(StakeholderKind.CUSTOMER, "Purchase").id);
  const impact = await seedImpact(em, org, anchor, new Random(spec.seed + 7), spec.impact, purchases, (kind, name) => stageByName(kind as StakeholderKind, name).id, (name) => {
    const id = partnerIds.get(name);
    if (!id) throw new Error(`demo seed: no partner "${name}"`);
    return id;
  });
  // A year of monthly deliveries of the programme by its field partner, through the API's batch path.
  const deliveries = spec.deliveries
    ? await seedDeliveries(em, org, anchor, new Random(spec.seed + 13), spec.deliveries, partnerIds.get(spec.deliveries.partner) ?? fail(`demo seed: no partner "${spec.deliveries.partner}"`))
    : { deliveries: 0 };
  // Surveys after the main touchpoints, a year of feedback, actions, goals.
  const modes = new Map<string, string | null>(
    (await em.query(`SELECT id, impact_mode FROM stages WHERE organization_id = $1`, [org])).map((r: { id: string; impact_mode: string | null }) => [r.id, r.impact_mode]),
  );
  const feedback = await seedFeedback(
    em,
    org,
    anchor,
    new Random(spec.seed + 11),
    spec.feedback,
    i.id.map((_, k) => ({ stakeholderId: i.sid[k], touchpointId: i.tp[k], at: i.at[k] })),
    touchpointByName,
    modes,
    (name) => {
      const id = areas.get(name);
      if (!id) throw new Error(`demo data: no functional area "${name}"`);
      return id;
    },
  );
  const repeat = spec.repeatPurchases ? await seedRepeatPurchases(em, org, anchor, new Random(spec.seed + 17), spec.repeatPurchases) : { sales: 0 };
  // Outcomes: the same survey at purchase and six months later, feeding social metrics.
  const outcomes = spec.outcomes
    ? await seedOutcomes(em, org, anchor, new Random(spec.seed + 19), spec.outcomes, purchases, stageByName(StakeholderKind.CUSTOMER, spec.outcomes.stage).id)
    : { responses: 0 };
  // The narrative for the default report period.
  const reportTo = new Date(Date.UTC(anchor.getUTCFullYear(), anchor.getUTCMonth(), 1));
  const reportFrom = new Date(Date.UTC(anchor.getUTCFullYear() - 1, anchor.getUTCMonth(), 1));
  await em.query(`INSERT INTO report_narratives (organization_id, period_from, period_to, version, text) VALUES ($1, $2, $3, 1, $4)`, [org, reportFrom, reportTo, spec.narrative]);
  return { stakeholders: s.id.length, transitions: t.id.length, interactions: i.id.length, ...impact, ...feedback, responses: feedback.responses + outcomes.responses, ...deliveries, sales: impact.sales + repeat.sales };
}

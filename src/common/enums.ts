import { registerEnumType } from "type-graphql";

export enum ImpactModel {
  CUSTOMER_IS_BENEFICIARY = "CUSTOMER_IS_BENEFICIARY",
  CUSTOMER_FUNDS_BENEFICIARY = "CUSTOMER_FUNDS_BENEFICIARY",
  HYBRID = "HYBRID",
}
registerEnumType(ImpactModel, {
  name: "ImpactModel",
  description: "How the business creates social impact",
  valuesConfig: {
    CUSTOMER_IS_BENEFICIARY: { description: "The customer is the beneficiary; impact happens while the product is used (in use)" },
    CUSTOMER_FUNDS_BENEFICIARY: { description: "The customer's purchase funds a beneficiary; impact is created at the point of sale" },
    HYBRID: { description: "Both models" },
  },
});

export enum StakeholderKind {
  CUSTOMER = "CUSTOMER",
  BENEFICIARY = "BENEFICIARY",
}
registerEnumType(StakeholderKind, { name: "StakeholderKind" });

export enum ImpactMode {
  AT_SALE = "AT_SALE",
  IN_USE = "IN_USE",
}
registerEnumType(ImpactMode, {
  name: "ImpactMode",
  description: "Where impact happens: at the point of sale or while the product or service is in use",
});

export enum PartnerKind {
  DISTRIBUTOR = "DISTRIBUTOR",
  FIELD_PARTNER = "FIELD_PARTNER",
  SERVICE_PROVIDER = "SERVICE_PROVIDER",
  OTHER = "OTHER",
}
registerEnumType(PartnerKind, { name: "PartnerKind" });

export enum TouchpointChannel {
  IN_PERSON = "IN_PERSON",
  FIELD_VISIT = "FIELD_VISIT",
  PHONE = "PHONE",
  SMS = "SMS",
  WHATSAPP = "WHATSAPP",
  EMAIL = "EMAIL",
  WEB = "WEB",
  RETAIL = "RETAIL",
  RADIO = "RADIO",
  PRINT = "PRINT",
  SOCIAL_MEDIA = "SOCIAL_MEDIA",
  OTHER = "OTHER",
}
registerEnumType(TouchpointChannel, { name: "TouchpointChannel" });

export enum Gender {
  FEMALE = "FEMALE",
  MALE = "MALE",
  OTHER = "OTHER",
  UNDISCLOSED = "UNDISCLOSED",
}
registerEnumType(Gender, { name: "Gender" });

export enum AgeBand {
  UNDER_18 = "UNDER_18",
  AGE_18_24 = "AGE_18_24",
  AGE_25_34 = "AGE_25_34",
  AGE_35_44 = "AGE_35_44",
  AGE_45_54 = "AGE_45_54",
  AGE_55_64 = "AGE_55_64",
  AGE_65_PLUS = "AGE_65_PLUS",
}
registerEnumType(AgeBand, { name: "AgeBand" });

export enum MetricCategory {
  KPI = "KPI",
  SOCIAL = "SOCIAL",
}
registerEnumType(MetricCategory, { name: "MetricCategory", description: "KPI: the business bottom line; SOCIAL: the impact bottom line" });

export enum MetricPerspective {
  CUSTOMER = "CUSTOMER",
  BENEFICIARY = "BENEFICIARY",
  ORGANIZATION = "ORGANIZATION",
}
registerEnumType(MetricPerspective, { name: "MetricPerspective" });

export enum MetricKind {
  INPUT = "INPUT",
  OUTPUT = "OUTPUT",
}
registerEnumType(MetricKind, { name: "MetricKind", description: "INPUT: leading, controllable; OUTPUT: lagging (e.g. NPS)" });

export enum MetricUnit {
  COUNT = "COUNT",
  PERCENT = "PERCENT",
  CURRENCY = "CURRENCY",
  SCORE = "SCORE",
  RATIO = "RATIO",
  DAYS = "DAYS",
  HOURS = "HOURS",
  KG = "KG",
  KWH = "KWH",
  OTHER = "OTHER",
}
registerEnumType(MetricUnit, { name: "MetricUnit", description: "CURRENCY values are in major units of the organization's currency" });

export enum MetricDirection {
  HIGHER_IS_BETTER = "HIGHER_IS_BETTER",
  LOWER_IS_BETTER = "LOWER_IS_BETTER",
}
registerEnumType(MetricDirection, { name: "MetricDirection" });

export enum MetricAggregation {
  SUM = "SUM",
  AVERAGE = "AVERAGE",
  LATEST = "LATEST",
}
registerEnumType(MetricAggregation, { name: "MetricAggregation", description: "How observations over time combine into one value for a period" });

export enum Interval {
  WEEK = "WEEK",
  MONTH = "MONTH",
  QUARTER = "QUARTER",
}
registerEnumType(Interval, { name: "Interval", description: "Buckets of a series, aligned on calendar weeks (Monday), months or quarters, in UTC" });

export enum QuestionType {
  NPS = "NPS",
  RATING = "RATING",
  EFFORT = "EFFORT",
  YES_NO = "YES_NO",
  CHOICE = "CHOICE",
  TEXT = "TEXT",
  NUMBER = "NUMBER",
}
registerEnumType(QuestionType, {
  name: "QuestionType",
  description:
    "NPS 0..10; RATING 1..5 (5 best); EFFORT 1..7 (7 = very easy); YES_NO true/false; CHOICE one of the listed options; TEXT free text; NUMBER a number in the question's unit (at most 2 decimals, within its range when it has one), e.g. a month's spend on kerosene",
});

export enum ActionStatus {
  OPEN = "OPEN",
  IN_PROGRESS = "IN_PROGRESS",
  DONE = "DONE",
  WONT_DO = "WONT_DO",
}
registerEnumType(ActionStatus, { name: "ActionStatus" });

export enum ActionRuleKind {
  DETRACTOR = "DETRACTOR",
  LOW_RATING = "LOW_RATING",
  KEYWORD = "KEYWORD",
}
registerEnumType(ActionRuleKind, {
  name: "ActionRuleKind",
  description: "DETRACTOR: an NPS answer of 0..6; LOW_RATING: a RATING answer at or below maxRating; KEYWORD: the comment contains one of the keywords",
});

export enum InterventionStatus {
  PLANNED = "PLANNED",
  IN_PROGRESS = "IN_PROGRESS",
  DONE = "DONE",
  CANCELLED = "CANCELLED",
}
registerEnumType(InterventionStatus, { name: "InterventionStatus" });

export enum NpsClass {
  PROMOTER = "PROMOTER",
  PASSIVE = "PASSIVE",
  DETRACTOR = "DETRACTOR",
}
registerEnumType(NpsClass, { name: "NpsClass", description: "PROMOTER 9..10, PASSIVE 7..8, DETRACTOR 0..6" });

/** The direction of a list's order (e.g. `actions(orderBy: { field, direction })`). */
export enum OrderDirection {
  ASC = "ASC",
  DESC = "DESC",
}
registerEnumType(OrderDirection, { name: "OrderDirection" });

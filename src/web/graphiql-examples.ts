/**
 * Example operations: preloaded as tabs in GraphiQL (/graphiql), listed in docs/dashboards.md.
 * Those with `period: true` take `$from`/`$to`, which the page sets to the last 12 months.
 */
export interface ExampleQuery {
  title: string;
  query: string;
  /** Variables besides the period. */
  variables?: Record<string, unknown>;
  /** Takes `$from` and `$to`: filled in with the 12 months up to today (UTC). */
  period?: boolean;
}

/** The demo organization "Mwanga Solar" (loaded on first start when the database is empty). */
export const EXAMPLE_ORGANIZATION_ID = "a0000000-0000-4000-8000-000000000001";

export const EXAMPLE_QUERIES: readonly ExampleQuery[] = [
  {
    title: "Organizations and their lifecycles",
    query: `# The organizations your API key can see, with their customer and beneficiary lifecycles.
# Paste a key in the bar above (or send an Authorization header) and press the play button.
query Organizations {
  organizations(first: 10) {
    totalCount
    edges {
      node {
        id
        name
        currency
        lifecycles {
          kind
          name
          stages {
            position
            name
            impactMode
          }
        }
      }
    }
  }
}
`,
  },
  {
    title: "Customer funnel, last 12 months",
    query: `# The customer lifecycle of the demo organization as a funnel over the last 12 months.
# For funders, small groups are suppressed (their counts are null and listed in "suppressed").
query CustomerFunnel($organizationId: ID!, $from: DateTimeISO!, $to: DateTimeISO!) {
  lifecycleFunnel(organizationId: $organizationId, kind: CUSTOMER, from: $from, to: $to) {
    kind
    from
    to
    suppression {
      applied
      threshold
    }
    stages {
      stage {
        position
        name
      }
      entered
      movedOn
      inStageAtEnd
      current
      conversionFromPrevious
      medianDaysInStage
      suppressed
    }
  }
}
`,
    variables: { organizationId: EXAMPLE_ORGANIZATION_ID },
    period: true,
  },
  {
    title: "Impact at sale",
    query: `# Sales, revenue, contribution and beneficiaries funded per offering, with the AT_SALE social metrics.
query ImpactAtSale($organizationId: ID!, $from: DateTimeISO!, $to: DateTimeISO!) {
  impactAtSale(organizationId: $organizationId, from: $from, to: $to) {
    totals {
      sales
      unitsSold
      revenue {
        amount
        currency
      }
      contribution {
        amount
        currency
      }
      unitsGiven
      beneficiariesFunded
    }
    offerings {
      offering {
        name
      }
      sales
      unitsSold
      revenue {
        amount
      }
      beneficiariesFunded
    }
    socialMetrics {
      metric {
        name
        unit
      }
      actual
      target
      attainment
      suppressed
    }
  }
}
`,
    variables: { organizationId: EXAMPLE_ORGANIZATION_ID },
    period: true,
  },
  {
    title: "Quality of experience by touchpoint",
    query: `# Quality of experience (0..100) per touchpoint, lowest first: where to act, and who owns it.
query QualityByTouchpoint($organizationId: ID!, $from: DateTimeISO!, $to: DateTimeISO!) {
  qualityOfExperience(organizationId: $organizationId, from: $from, to: $to, groupBy: TOUCHPOINT) {
    overall {
      score
      people
    }
    groups {
      label
      score
      people
      suppressed
      missingPerspectives
      perspectives {
        perspective
        score
        weight
      }
      touchpoint {
        name
        channel
        owner {
          name
        }
      }
    }
  }
}
`,
    variables: { organizationId: EXAMPLE_ORGANIZATION_ID },
    period: true,
  },
  {
    title: "Impact report for a funder",
    query: `# The report a funder reads: both bottom lines against the previous period, reportable metrics,
# experience (QoE, NPS with its margin of error), loops closed on time, disaggregations,
# and what was hidden (small groups, for funders) or missing. Printable at /reports/<organizationId>.
query ImpactReport($organizationId: ID!, $from: DateTimeISO!, $to: DateTimeISO!) {
  impactReport(organizationId: $organizationId, from: $from, to: $to) {
    organization { name impactModel }
    period { from to }
    comparison { from to }
    suppression { applied threshold }
    narrative { version text }
    impactAtSale { totals { sales revenue { amount currency } contribution { amount } beneficiariesFunded } }
    previousImpactAtSale { sales revenue { amount } }
    impactInUse { stakeholdersInUse }
    metrics {
      metric { name category unit catalogueCode estimationNote }
      baseline target actual attainment previousActual sampleSize suppressed
    }
    customerExperience { qoe { score } nps { score sampleSize marginOfError95 } }
    beneficiaryExperience { qoe { score } nps { score sampleSize marginOfError95 } }
    loops { due closedOnTime closedLate notClosed onTimeRate }
    disaggregations { subject dimension total cells { value count suppressed } }
    notes { section item kind reason }
  }
}
`,
    variables: { organizationId: EXAMPLE_ORGANIZATION_ID },
    period: true,
  },
];

/** The 12 months up to the end of today (UTC): `to` is tomorrow at midnight, `from` a year before it. */
export function lastTwelveMonths(now: Date = new Date()): { from: string; to: string } {
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
  const from = new Date(Date.UTC(to.getUTCFullYear() - 1, to.getUTCMonth(), to.getUTCDate()));
  return { from: from.toISOString(), to: to.toISOString() };
}

/** The variables to run an example with. */
export function exampleVariables(example: ExampleQuery, now: Date = new Date()): Record<string, unknown> {
  return { ...(example.variables ?? {}), ...(example.period ? lastTwelveMonths(now) : {}) };
}

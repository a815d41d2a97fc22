/**
 * Example operations: preloaded as tabs in GraphiQL (/graphiql), listed in docs/dashboards.md.
 * The views ask for `period: LAST_12_MONTHS`: the twelve whole months before this one in the
 * organization's time zone, the period the report page and the downloads show by default.
 */
export interface ExampleQuery {
  title: string;
  query: string;
  variables?: Record<string, unknown>;
}

/** The demo organization "Mwanga Solar" (loaded on first start when the database is empty). */
export const EXAMPLE_ORGANIZATION_ID = "org_oAAAAAAAQACAAAAAAAAAAQ";

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
query CustomerFunnel($organizationId: ID!) {
  lifecycleFunnel(organizationId: $organizationId, kind: CUSTOMER, period: LAST_12_MONTHS) {
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
  },
  {
    title: "Impact at sale",
    query: `# Sales, revenue, contribution and beneficiaries funded per offering, with the AT_SALE social metrics.
query ImpactAtSale($organizationId: ID!) {
  impactAtSale(organizationId: $organizationId, period: LAST_12_MONTHS) {
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
        programme {
          name
        }
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
  },
  {
    title: "Quality of experience by touchpoint",
    query: `# Quality of experience (0..100) per touchpoint, lowest first: where to act, and who owns it.
query QualityByTouchpoint($organizationId: ID!) {
  qualityOfExperience(organizationId: $organizationId, period: LAST_12_MONTHS, groupBy: TOUCHPOINT) {
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
  },
  {
    title: "Impact report for a funder",
    query: `# The report a funder reads: both bottom lines against the previous period, reportable metrics,
# experience (QoE, NPS with its margin of error), loops closed on time, disaggregations,
# and what was hidden (small groups, for funders) or missing. Printable at /reports/<organizationId>.
query ImpactReport($organizationId: ID!) {
  impactReport(organizationId: $organizationId, period: LAST_12_MONTHS) {
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
  },
];

/** The variables to run an example with. */
export function exampleVariables(example: ExampleQuery): Record<string, unknown> {
  return { ...(example.variables ?? {}) };
}

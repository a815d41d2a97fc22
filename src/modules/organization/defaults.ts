import { ImpactMode, StakeholderKind } from "../../common/enums";

/** The lifecycles every new organization starts with (DOMAIN.md); all editable afterwards. */
export const DEFAULT_LIFECYCLES: { kind: StakeholderKind; name: string; stages: { name: string; impactMode: ImpactMode | null }[] }[] = [
  {
    kind: StakeholderKind.CUSTOMER,
    name: "Customer lifecycle",
    stages: [
      { name: "Need", impactMode: null },
      { name: "Research", impactMode: null },
      { name: "Purchase", impactMode: ImpactMode.AT_SALE },
      { name: "Use", impactMode: ImpactMode.IN_USE },
      { name: "Support", impactMode: null },
      { name: "Renew or exit", impactMode: null },
    ],
  },
  {
    kind: StakeholderKind.BENEFICIARY,
    name: "Beneficiary lifecycle",
    stages: [
      { name: "Identified", impactMode: null },
      { name: "Enrolled", impactMode: null },
      { name: "Receives", impactMode: null },
      { name: "Uses", impactMode: ImpactMode.IN_USE },
      { name: "Outcome", impactMode: null },
      { name: "Exit", impactMode: null },
    ],
  },
];

/** The functional areas every new organization starts with; more can be added. */
export const DEFAULT_FUNCTIONAL_AREAS = ["Marketing", "Sales", "Operations", "Finance", "Customer service", "Programmes"];

import { randomUUID } from "node:crypto";
import { DataSource } from "typeorm";
import { byIdLoader, childListLoader, childPageLoader } from "./common/loaders";
import { Organization } from "./modules/organization/organization.entity";
import { Lifecycle } from "./modules/lifecycle/lifecycle.entity";
import { Stage } from "./modules/lifecycle/stage.entity";
import { FunctionalArea } from "./modules/functional-area/functional-area.entity";
import { Partner } from "./modules/partner/partner.entity";
import { Touchpoint } from "./modules/touchpoint/touchpoint.entity";
import { Stakeholder } from "./modules/stakeholder/stakeholder.entity";
import { StageTransition } from "./modules/stakeholder/stage-transition.entity";
import { Interaction } from "./modules/stakeholder/interaction.entity";
import { OrganizationService } from "./modules/organization/organization.service";
import { LifecycleService } from "./modules/lifecycle/lifecycle.service";
import { FunctionalAreaService } from "./modules/functional-area/functional-area.service";
import { PartnerService } from "./modules/partner/partner.service";
import { TouchpointService } from "./modules/touchpoint/touchpoint.service";
import { StakeholderService } from "./modules/stakeholder/stakeholder.service";

/** DataLoaders, new for every request (their caches never outlive it). */
export function createLoaders(db: DataSource) {
  return {
    organizationById: byIdLoader(db, Organization, "organizations"),
    lifecycleById: byIdLoader(db, Lifecycle, "lifecycles"),
    stageById: byIdLoader(db, Stage, "stages"),
    functionalAreaById: byIdLoader(db, FunctionalArea, "functional_areas"),
    partnerById: byIdLoader(db, Partner, "partners"),
    touchpointById: byIdLoader(db, Touchpoint, "touchpoints"),
    stakeholderById: byIdLoader(db, Stakeholder, "stakeholders"),
    /** key: { organizationId, id: organizationId } */
    lifecyclesByOrganization: childListLoader(db, Lifecycle, "lifecycles", "organization_id", "t.kind"),
    stagesByLifecycle: childListLoader(db, Stage, "stages", "lifecycle_id", "t.position"),
    functionalAreasByOrganization: childPageLoader(db, FunctionalArea, "functional_areas", "organization_id", "created_at"),
    partnersByOrganization: childPageLoader(db, Partner, "partners", "organization_id", "created_at"),
    touchpointsByOrganization: childPageLoader(db, Touchpoint, "touchpoints", "organization_id", "created_at"),
    touchpointsByStage: childPageLoader(db, Touchpoint, "touchpoints", "stage_id", "created_at"),
    journeyByStakeholder: childPageLoader(db, StageTransition, "stage_transitions", "stakeholder_id", "occurred_at"),
    interactionsByStakeholder: childPageLoader(db, Interaction, "interactions", "stakeholder_id", "occurred_at"),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;

function createServices(db: DataSource, loaders: Loaders) {
  return {
    organizations: new OrganizationService(db, loaders),
    lifecycles: new LifecycleService(db, loaders),
    functionalAreas: new FunctionalAreaService(db),
    partners: new PartnerService(db),
    touchpoints: new TouchpointService(db),
    stakeholders: new StakeholderService(db, loaders),
  };
}
export type Services = ReturnType<typeof createServices>;

export interface Context {
  requestId: string;
  db: DataSource;
  loaders: Loaders;
  services: Services;
}

export function createContext(db: DataSource, requestId: string = randomUUID()): Context {
  const loaders = createLoaders(db);
  return { requestId, db, loaders, services: createServices(db, loaders) };
}

import { stableGuid } from "./random";
import { buildSchema } from "./sync-schema";

/**
 * The gallery the emulator serves as /applicationTemplates. It is tenant-independent and
 * read-only (https://learn.microsoft.com/graph/api/resources/applicationtemplate). Ids are stable
 * across runs (real ids where the docs print them, otherwise derived from the name), so stacks and
 * tests can hard-code them.
 *
 * Credential keys are `synchronizationSecret` enum names. They decide what validateCredentials and
 * the job runner accept; see {@link requiredCredentialKeys}.
 */
export const CUSTOM_TEMPLATE_ID = "8adf8e6e-67b2-4cf2-a259-e3dc5476c621";

export interface SyncTemplateSpec {
  /** synchronizationTemplate.id, also the prefix of job ids (`{templateId}.{32 hex}`). */
  id: string;
  factoryTag: string;
  /** Name of the application's directory in the schema. */
  targetDirectory: string;
  requiredKeys: readonly string[];
  /** roleImport: the app's roles into Entra app roles (no users or groups are provisioned). */
  direction: "outbound" | "inbound" | "roleImport";
  groups: boolean;
  /** synchronizationTemplate.default: the template an app with several designates as its default. */
  default: boolean;
  /**
   * The template a job created from this one actually gets, when Graph substitutes a variant:
   * a job created with the non-gallery app's `customappsso` comes back as `customappssoOutDelta`.
   */
  jobTemplateId?: string;
}

export interface GalleryApp {
  id: string;
  displayName: string;
  publisher: string;
  description: string | null;
  homePageUrl: string;
  categories: string[];
  supportedSingleSignOnModes: string[];
  supportedProvisioningTypes: string[];
  replyUrls: string[];
  syncTemplates: SyncTemplateSpec[];
  /** The `{name}|ISV{version}` part of an instance's homepage metadata marker, where known. */
  instanceMetadata?: string;
}

const SCIM = ["BaseAddress", "SecretToken"] as const;
const OAUTH = ["Oauth2AccessToken", "Oauth2RefreshToken"] as const;
const HR = ["UserName", "Password", "BaseAddress"] as const;

type SyncRow = [
  id: string,
  factoryTag: string,
  dir: string,
  keys: readonly string[],
  opts?: { inbound?: boolean; roleImport?: boolean; noGroups?: boolean; default?: boolean; jobTemplateId?: string },
];

type Row = [
  name: string,
  publisher: string,
  categories: string[],
  home: string,
  sso: string[],
  sync: SyncRow | SyncRow[] | null,
  id?: string,
  /** Where the gallery entry's documented instance differs: its reply URL and homepage metadata marker. */
  instance?: { replyUrl: string; metadata: string },
];

/**
 * The non-gallery application's synchronization templates. A real tenant's non-gallery service
 * principal offers these four; a job created with `customappsso` comes back with templateId
 * `customappssoOutDelta`, and `scim` is the current SCIM connector ("All new provisioning
 * applications are created with a jobID starting with scim … Older jobs have the ID customappsso",
 * application-provisioning-config-problem-scim-compatibility). Schemas name the app's directory
 * `customappsso` (the Graph schema PUT example; live provisioning logs' targetSystem).
 */
const CUSTOM_SYNC: SyncRow[] = [
  ["customappsso", "customappsso", "customappsso", SCIM, { jobTemplateId: "customappssoOutDelta" }],
  ["customappssoOutDelta", "customappsso", "customappsso", SCIM],
  ["customappssoRoleIn", "customappsso", "customappsso", SCIM, { roleImport: true, noGroups: true }],
  ["scim", "customappsso", "customappsso", SCIM, { default: true }],
];

const ROWS: Row[] = [
  ["Amazon Web Services (AWS)", "Amazon", ["developerServices"], "http://aws.amazon.com/", ["password", "saml", "external"],
    ["aws", "aws", "AWS", ["ClientSecret", "SecretToken"]], "8b1025e4-1dd2-430b-a150-2ef79cd700f5"],
  ["AWS IAM Identity Center (successor to AWS Single Sign-On)", "Amazon", ["developerServices", "security"],
    "https://aws.amazon.com/iam/identity-center/", ["saml"], ["awsSingleSignOn", "awssinglesignon", "AWS IAM Identity Center", SCIM]],
  ["Box", "Box", ["collaboration", "contentManagement"], "https://www.box.com/", ["password", "saml"],
    ["BoxOutDelta", "box", "Box", OAUTH]],
  ["Salesforce", "Salesforce", ["crm", "businessMgmt"], "https://www.salesforce.com/", ["password", "saml"],
    ["salesforce", "salesforce", "Salesforce", ["UserName", "Password", "SecretToken"]]],
  ["Salesforce Sandbox", "Salesforce", ["crm", "developerServices"], "https://test.salesforce.com/", ["password", "saml"],
    ["SfSandboxOutDelta", "SfSandbox", "Salesforce Sandbox", ["UserName", "Password", "SecretToken", "Sandbox"]]],
  ["ServiceNow", "ServiceNow", ["itInfrastructure", "businessMgmt"], "https://www.servicenow.com/", ["password", "saml"],
    ["ServiceNowOutDelta", "servicenow", "ServiceNow", ["UserName", "Password", "InstanceName"]]],
  ["Slack", "Slack Technologies", ["collaboration", "social"], "https://slack.com/", ["password", "saml"],
    ["Slack", "CustomSCIM", "Slack", ["SecretToken"]]],
  ["Zoom", "Zoom Video Communications", ["collaboration"], "https://zoom.us/", ["saml"], ["zoom", "zoom", "Zoom", SCIM]],
  ["Dropbox Business", "Dropbox", ["collaboration", "contentManagement"], "https://www.dropbox.com/business", ["saml"],
    ["DropboxSCIMOutDelta", "dropboxscim", "Dropbox Business", SCIM]],
  ["GitHub Enterprise Managed User", "GitHub", ["developerServices"], "https://github.com/enterprise", ["saml"],
    ["GitHubEMU", "githubemu", "GitHub Enterprise Managed User", SCIM]],
  ["Atlassian Cloud", "Atlassian", ["developerServices", "collaboration"], "https://www.atlassian.com/", ["saml"],
    ["atlassianCloud", "atlassiancloud", "Atlassian Cloud", SCIM]],
  ["Databricks SCIM Provisioning Connector", "Databricks", ["developerServices", "dataServices"], "https://databricks.com/",
    ["notSupported"], ["databricks", "databricksscim", "Databricks", SCIM]],
  ["Snowflake", "Snowflake", ["dataServices"], "https://www.snowflake.com/", ["saml"], ["snowflake", "snowflake", "Snowflake", SCIM]],
  ["Tableau Cloud", "Salesforce", ["businessIntelligence"], "https://www.tableau.com/products/cloud-bi", ["saml"],
    ["tableauCloud", "tableauonline", "Tableau Cloud", SCIM]],
  ["DocuSign", "DocuSign", ["productivity", "businessMgmt"], "https://www.docusign.com/", ["password", "saml"],
    ["docusign", "docusign", "DocuSign", OAUTH, { noGroups: true }]],
  ["Zscaler Internet Access (ZIA)", "Zscaler", ["security"], "https://www.zscaler.com/", ["saml"],
    ["zscalerZIA", "zscaler", "Zscaler Internet Access", SCIM]],
  ["Workplace from Meta", "Meta", ["collaboration", "social"], "https://www.workplace.com/", ["saml"],
    ["facebookAtWork", "facebookatwork", "Workplace from Meta", ["SecretToken"]]],
  ["Google Cloud / G Suite Connector by Microsoft", "Google", ["collaboration", "productivity"], "https://workspace.google.com/",
    ["saml"], ["gsuite", "gsuite", "G Suite", ["Oauth2AccessToken", "Oauth2RefreshToken", "Domain"]]],
  ["Cisco Webex", "Cisco", ["collaboration"], "https://www.webex.com/", ["saml"], ["ciscoWebex", "webex", "Cisco Webex", SCIM]],
  ["Zendesk", "Zendesk", ["crm", "itInfrastructure"], "https://www.zendesk.com/", ["saml"],
    ["zendesk", "zendesk", "Zendesk", ["UserName", "SecretToken", "Domain"]]],
  ["Workday to Microsoft Entra ID User Provisioning", "Workday", ["hr"], "https://www.workday.com/", ["notSupported"],
    ["Workday", "workday", "Workday", HR, { inbound: true, noGroups: true }]],
  ["SAP SuccessFactors to Microsoft Entra ID User Provisioning", "SAP", ["hr"], "https://www.successfactors.com/",
    ["notSupported"], ["successFactors", "successfactors", "SuccessFactors", HR, { inbound: true, noGroups: true }]],
  ["Asana", "Asana", ["projectManagement", "productivity"], "https://asana.com/", ["saml"], ["asana", "asana", "Asana", ["SecretToken"]]],
  ["Miro", "Miro", ["collaboration", "productivity"], "https://miro.com/", ["saml"], ["miro", "miro", "Miro", SCIM]],
  ["Figma", "Figma", ["collaboration", "developerServices"], "https://www.figma.com/", ["saml"], ["figma", "figma", "Figma", SCIM]],
  ["Freshservice Provisioning", "Freshworks", ["itInfrastructure"], "https://www.freshworks.com/freshservice/", ["notSupported"],
    ["freshservice", "freshservice", "Freshservice", SCIM]],
  ["LinkedIn Learning", "LinkedIn", ["education"], "https://learning.linkedin.com/", ["saml"],
    ["linkedInLearning", "linkedinlearning", "LinkedIn Learning", SCIM]],
  ["Adobe Identity Management", "Adobe", ["contentManagement", "productivity"], "https://www.adobe.com/", ["saml"],
    ["adobeIdentityManagement", "adobeidentitymanagement", "Adobe Identity Management", SCIM]],
  // Single sign-on only: no synchronization templates, so job creation must fail for them.
  // As the v1.0 instantiate example shows it (applicationtemplate-instantiate.md).
  ["Azure AD SAML Toolkit", "Microsoft Corporation", ["developerServices"], "https://samltoolkit.azurewebsites.net/", ["saml"],
    null, "229946b9-a9fb-45b8-9531-efa47453ac9e", { replyUrl: "https://samltoolkit.azurewebsites.net/SAML/Consume", metadata: "samltoolkit|ISV9.2" }],
  ["AWS Single-Account Access", "Amazon", ["developerServices"], "https://aws.amazon.com/", ["saml"], null],
  ["Jira SAML SSO by Microsoft", "Microsoft Corporation", ["developerServices", "projectManagement"],
    "https://www.atlassian.com/software/jira", ["saml"], null],
  ["Kronos Workforce Central", "UKG", ["hr"], "https://www.ukg.com/", ["saml"], null],
  ["Non-gallery application", "Microsoft Corporation", ["custom"], "https://learn.microsoft.com/entra/identity/enterprise-apps/",
    ["password", "saml", "oidc", "external"], CUSTOM_SYNC, CUSTOM_TEMPLATE_ID],
];

function toSpec(sync: SyncRow, only: boolean): SyncTemplateSpec {
  const [id, factoryTag, targetDirectory, requiredKeys, o = {}] = sync;
  return {
    id,
    factoryTag,
    targetDirectory,
    requiredKeys,
    direction: o.roleImport ? "roleImport" : o.inbound ? "inbound" : "outbound",
    groups: !o.noGroups,
    default: only || o.default === true,
    ...(o.jobTemplateId ? { jobTemplateId: o.jobTemplateId } : {}),
  };
}

function toApp(row: Row): GalleryApp {
  const [displayName, publisher, categories, homePageUrl, sso, sync, id, instance] = row;
  const templateId = id ?? stableGuid(`gallery:${displayName}`);
  const custom = templateId === CUSTOM_TEMPLATE_ID;
  const rows = sync === null ? [] : Array.isArray(sync[0]) ? (sync as SyncRow[]) : [sync as SyncRow];
  return {
    id: templateId,
    displayName,
    publisher,
    description: custom ? "Integrate any application that is not in the gallery, including custom SCIM apps." : null,
    homePageUrl,
    categories,
    supportedSingleSignOnModes: sso,
    supportedProvisioningTypes: rows.length ? ["sync"] : [],
    // The non-gallery instance starts with no reply URLs (application-proxy-configure-api example).
    replyUrls: instance ? [instance.replyUrl] : !custom && sso.includes("saml") ? [new URL("/saml/acs", homePageUrl).toString()] : [],
    syncTemplates: rows.map((r) => toSpec(r, rows.length === 1)),
    instanceMetadata: instance?.metadata,
  };
}

/**
 * web.homePageUrl / servicePrincipal.homepage of an instance: Entra stamps the gallery entry's
 * metadata marker on it (instantiate examples: `…?metadata=samltoolkit|ISV9.2|primary|z`; the
 * non-gallery app: `https://account.activedirectory.windowsazure.com:444/applications/default.aspx?metadata=customappsso|ISV9.1|primary|z`).
 */
export function instanceHomepage(app: GalleryApp): string {
  if (app.id === CUSTOM_TEMPLATE_ID) return "https://account.activedirectory.windowsazure.com:444/applications/default.aspx?metadata=customappsso|ISV9.1|primary|z";
  const marker = app.instanceMetadata ?? `${app.displayName.toLowerCase().replace(/[^a-z0-9]+/g, "")}|ISV9.1`;
  const base = app.instanceMetadata && app.replyUrls[0] ? app.replyUrls[0] : app.homePageUrl;
  return `${base}${base.includes("?") ? "&" : "?"}metadata=${marker}|primary|z`;
}

export const GALLERY: readonly GalleryApp[] = ROWS.map(toApp);
const BY_ID = new Map(GALLERY.map((a) => [a.id, a]));

export function galleryApp(id: string): GalleryApp | undefined {
  return BY_ID.get(id.toLowerCase());
}

const entityCache = new Map<string, Record<string, unknown>>();

/** The applicationTemplate entity as Graph returns it (cached: the gallery is read-only; do not mutate). */
export function templateEntity(app: GalleryApp, version: "v1.0" | "beta"): Record<string, unknown> {
  const key = `${version}:${app.id}`;
  let cached = entityCache.get(key);
  if (!cached) entityCache.set(key, (cached = buildTemplateEntity(app, version)));
  return cached;
}

function buildTemplateEntity(app: GalleryApp, version: "v1.0" | "beta"): Record<string, unknown> {
  const base: Record<string, unknown> = {
    id: app.id,
    displayName: app.displayName,
    homePageUrl: app.homePageUrl,
    supportedSingleSignOnModes: app.supportedSingleSignOnModes,
    supportedProvisioningTypes: app.supportedProvisioningTypes,
    logoUrl: `https://az495088.vo.msecnd.net/app-logo/${app.displayName.toLowerCase().replace(/[^a-z0-9]+/g, "")}_215.png`,
    categories: app.categories,
    publisher: app.publisher,
    description: app.description,
  };
  if (version === "v1.0") {
    Object.assign(base, { endpoints: [], riskScore: null, riskFactors: null, isEntraIntegrated: false, lastModifiedDateTime: null, deprecationDate: null });
  } else {
    Object.assign(base, { configurationUris: [], informationalUrls: null, supportedClaimConfiguration: null });
  }
  return base;
}

const schemaCache = new Map<SyncTemplateSpec, Record<string, unknown>>();

/** The connector's default schema (a fresh deep copy, so callers may mutate it). */
export function defaultSchema(spec: SyncTemplateSpec): Record<string, unknown> {
  let schema = schemaCache.get(spec);
  if (!schema) {
    schema = buildSchema({ templateId: spec.id, targetDirectory: spec.targetDirectory, direction: spec.direction, groups: spec.groups });
    schemaCache.set(spec, schema);
  }
  return structuredClone(schema);
}

/**
 * Credential keys the connector behind an application template requires, e.g.
 * `["ClientSecret", "SecretToken"]` for AWS. Pass the synchronization template id to pick one when
 * an app has several; returns undefined for an unknown template and `[]` for an app without
 * provisioning.
 */
export function requiredCredentialKeys(applicationTemplateId: string, syncTemplateId?: string): readonly string[] | undefined {
  const app = galleryApp(applicationTemplateId);
  if (!app) return undefined;
  const spec = syncTemplateId ? app.syncTemplates.find((t) => t.id === syncTemplateId) : app.syncTemplates[0];
  return spec ? spec.requiredKeys : [];
}

/** Finds the spec for a synchronization template id across the gallery (job ids start with it). */
export function syncTemplateSpec(applicationTemplateId: string | null | undefined, syncTemplateId: string): SyncTemplateSpec | undefined {
  const app = applicationTemplateId ? galleryApp(applicationTemplateId) : undefined;
  return app?.syncTemplates.find((t) => t.id.toLowerCase() === syncTemplateId.toLowerCase());
}

/**
 * The templateId a job created with `requested` gets on a service principal instantiated from
 * `applicationTemplateId` (Graph's spelling of the offered template, or the variant Graph
 * substitutes: non-gallery `customappsso` → `customappssoOutDelta`); undefined when not offered.
 */
export function effectiveJobTemplateId(applicationTemplateId: string | null | undefined, requested: string): string | undefined {
  const spec = syncTemplateSpec(applicationTemplateId, requested);
  return spec ? (spec.jobTemplateId ?? spec.id) : undefined;
}

/** The spec a job created with `requested` runs under (see effectiveJobTemplateId); undefined when not offered. */
export function jobTemplateSpec(applicationTemplateId: string | null | undefined, requested: string): SyncTemplateSpec | undefined {
  const id = effectiveJobTemplateId(applicationTemplateId, requested);
  return id === undefined ? undefined : syncTemplateSpec(applicationTemplateId, id);
}

import { Rng } from "./random";

/**
 * The seeded user/group directory that provisioning jobs "provision". A new service principal has
 * no app role assignments (FIDELITY.md, "App role assignments"): callers assign users and groups with
 * POST /servicePrincipals/{id}/appRoleAssignedTo (routes/app-role-assignments.ts), and the job
 * runner and provisionOnDemand scope by those assignments unless SyncAll is "true".
 *
 * Groups: distinct names scaled to the directory size, plus two groups that share the display name
 * "Contractors" (different ids and mailNicknames), so callers that look groups up by name meet the
 * ambiguity a real tenant allows (group display names are not unique). Group members are users
 * only (no nested groups).
 */
export interface DirectoryUser {
  id: string;
  displayName: string;
  givenName: string;
  surname: string;
  userPrincipalName: string;
  mail: string;
  mailNickname: string;
  jobTitle: string;
  accountEnabled: boolean;
}

export interface DirectoryGroup {
  id: string;
  displayName: string;
  mailNickname: string;
  mailEnabled: boolean;
  securityEnabled: boolean;
  members: string[];
}

const GIVEN = ["Adele", "Alex", "Diego", "Grady", "Henrietta", "Isaiah", "Johanna", "Joni", "Lee", "Lidia", "Lynne", "Megan", "Miriam", "Nestor", "Patti", "Pradeep"];
const FAMILY = ["Vance", "Wilber", "Siciliani", "Archie", "Mueller", "Langer", "Lorenz", "Sherman", "Gu", "Holloway", "Robbins", "Bowen", "Graham", "Wilke", "Fernandez", "Gupta"];
const TITLES = ["Retail Manager", "Marketing Assistant", "HR Manager", "Designer", "Developer", "Attorney", "Product Manager", "Accountant"];
const GROUPS = ["Sales and Marketing", "Engineering", "Self-service Pilot", "Finance", "Legal", "Operations"];
/** Two groups named alike, told apart by mailNickname; members picked by index (i % 7). */
const SAME_NAME = { displayName: "Contractors", variants: [{ mailNickname: "ContractorsEMEA", residue: 3 }, { mailNickname: "ContractorsAmericas", residue: 5 }] };

export const DOMAIN = "emulator.onmicrosoft.com";

/**
 * The user whose export always fails with an entry conflict, so failure paths
 * (`provisioningStatusInfo/status eq 'failure'`, quarantine-free errors) show up in every run.
 */
export const CONFLICT_USER_INDEX = 1;

export function seedDirectory(rng: Rng, userCount: number): { users: DirectoryUser[]; groups: DirectoryGroup[] } {
  const users: DirectoryUser[] = [];
  for (let i = 0; i < userCount; i++) {
    const given = GIVEN[i % GIVEN.length];
    const family = FAMILY[(i * 7 + Math.floor(i / GIVEN.length)) % FAMILY.length];
    const nick = `${given}${family[0]}${i >= GIVEN.length ? i : ""}`;
    users.push({
      id: rng.guid(),
      displayName: `${given} ${family}`,
      givenName: given,
      surname: family,
      userPrincipalName: `${nick}@${DOMAIN}`,
      mail: `${nick}@${DOMAIN}`,
      mailNickname: nick,
      jobTitle: TITLES[i % TITLES.length],
      accountEnabled: true,
    });
  }
  const groupCount = Math.max(1, Math.min(GROUPS.length, Math.ceil(userCount / 5)));
  const groups: DirectoryGroup[] = [];
  for (let g = 0; g < groupCount; g++) {
    groups.push({
      id: rng.guid(),
      displayName: GROUPS[g],
      mailNickname: GROUPS[g].replace(/[^A-Za-z]/g, ""),
      mailEnabled: false,
      securityEnabled: true,
      members: users.filter((_, i) => i % groupCount === g).map((u) => u.id),
    });
  }
  for (const v of SAME_NAME.variants) {
    groups.push({
      id: rng.guid(),
      displayName: SAME_NAME.displayName,
      mailNickname: v.mailNickname,
      mailEnabled: false,
      securityEnabled: true,
      members: users.filter((_, i) => i % 7 === v.residue).map((u) => u.id),
    });
  }
  return { users, groups };
}

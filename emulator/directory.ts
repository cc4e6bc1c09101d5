import { Rng } from "./random";

/**
 * The seeded user/group directory that provisioning jobs "provision". Users and groups are
 * read-only here; each new service principal gets a deterministic subset of them assigned, which is
 * what the job runner and provisionOnDemand work on.
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
  return { users, groups };
}

function hash(s: string): number {
  let x = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) x = Math.imul(x ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return x;
}

/** Deterministic subset for a new service principal: about two thirds of users, half the groups. */
export function assignmentsFor(spId: string, users: DirectoryUser[], groups: DirectoryGroup[]): string[] {
  const out: string[] = [];
  users.forEach((u, i) => {
    if (i === CONFLICT_USER_INDEX || hash(`${spId}:${u.id}`) % 3 !== 0) out.push(u.id);
  });
  groups.forEach((g, i) => {
    if (i === 0 || hash(`${spId}:${g.id}`) % 2 === 0) out.push(g.id);
  });
  return out;
}

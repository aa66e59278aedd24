import { Injectable } from '@nestjs/common';
import type { EndUserBudget } from '../customers/end-user';
import { CustomersService } from '../customers/customers.service';
import type { VirtualKeyRecord } from '../keys/virtual-key';
import type { TeamMembershipRecord, TeamRecord, UserRecord } from '../teams/team';
import { TeamsService } from '../teams/teams.service';

/** Who a call made with a key is charged to besides the key: its team, its user, that user's membership, the key's budget. */
export interface ChargedParties {
  team: TeamRecord | null;
  user: UserRecord | null;
  membership: TeamMembershipRecord | null;
  keyBudget: EndUserBudget | null;
}

/** Finds the parties of a call; every lookup is cached by its service, so this costs no database round trip. */
@Injectable()
export class ChargedPartiesLookup {
  constructor(
    private readonly teams: TeamsService,
    private readonly customers: CustomersService,
  ) {}

  async of(key: VirtualKeyRecord | undefined): Promise<ChargedParties> {
    const team = key?.teamId ? await this.teams.findTeam(key.teamId) : null;
    const user = key?.userId ? await this.teams.findUser(key.userId) : null;
    const membership = key?.teamId && key.userId ? await this.teams.findMembership(key.teamId, key.userId) : null;
    const keyBudget = key?.budgetId ? await this.customers.findBudget(key.budgetId) : null;
    return { team, user, membership, keyBudget };
  }
}

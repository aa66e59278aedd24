import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import { KeysService, type CreatedKey } from '../keys/keys.service';
import { TeamDirectory } from '../teams/team-directory.service';
import { keyCreatedEmail, userInvitationEmail, type EmailBranding } from './email-templates';
import { Mailer } from './mailer.service';

/**
 * LiteLLM's `send_invite_email: true`: `/key/generate` mails the key to its owner, `/user/new` mails the new user an
 * invitation with the key made for them. The owner's address is the user's `user_email`; a key without a user, or a
 * user without an address, gets no mail (logged, without names).
 */
@Injectable()
export class AccountEmails implements OnModuleInit {
  private readonly logger = new Logger('Email');
  private readonly branding?: EmailBranding;

  constructor(
    private readonly mailer: Mailer,
    private readonly keys: KeysService,
    private readonly directory: TeamDirectory,
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
  ) {
    this.branding = config.email;
  }

  onModuleInit(): void {
    if (!this.mailer.enabled) return;
    this.keys.onKeyCreated((created) => {
      if (created.sendInviteEmail) void this.mailAbout(created);
    });
  }

  private async mailAbout(created: CreatedKey): Promise<void> {
    const branding = this.branding;
    if (!branding) return;
    try {
      const user = created.userId ? await this.directory.findUser(created.userId) : null;
      const recipient = user?.userEmail;
      if (!recipient) {
        this.logger.warn(`send_invite_email: the ${created.userId ? "key's user has no user_email" : 'key has no user_id'}; no mail sent`);
        return;
      }
      const facts = {
        recipient,
        key: created.key,
        keyAlias: created.keyAlias,
        // A key without a budget of its own still spends its user's.
        maxBudget: created.maxBudget ?? user?.maxBudget ?? null,
        budgetDuration: created.maxBudget !== null ? created.budgetDuration : (user?.budgetDuration ?? null),
        models: created.models,
        expires: created.expires?.toISOString() ?? null,
      };
      const invitation = created.origin === 'user_new';
      const mail = invitation ? userInvitationEmail(branding, facts) : keyCreatedEmail(branding, facts);
      this.mailer.send({ ...mail, to: recipient, kind: invitation ? 'user_invitation' : 'key_created' });
    } catch (error) {
      this.logger.error(`send_invite_email: the recipient could not be read (${error instanceof Error ? error.name : typeof error})`);
    }
  }
}

import { Module } from '@nestjs/common';
import { KeysModule } from '../keys/keys.module';
import { TeamsModule } from '../teams/teams.module';
import { AccountEmails } from './account-emails.service';
import { Mailer } from './mailer.service';

/** Mail over SMTP (`alerting: ["email"]`, LiteLLM's SMTP_* environment): invitations and new keys; alerts use `Mailer`. */
@Module({
  imports: [KeysModule, TeamsModule],
  providers: [Mailer, AccountEmails],
  exports: [Mailer],
})
export class EmailModule {}

import { SpendModule } from '../spend/spend.module';
import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { DatabaseModule } from '../database/database.module';
import { KeysModule } from '../keys/keys.module';
import { OrganizationEntity, OrganizationMemberEntity, TeamEntity, TeamMembershipEntity, UserEntity } from './entities';
import { OrganizationsController } from './organizations.controller';
import { OrganizationsService } from './organizations.service';
import { TeamsController } from './teams.controller';
import { TeamsRepository } from './teams.repository';
import { TeamDirectory } from './team-directory.service';
import { MembershipsService } from './memberships.service';
import { TeamViews } from './team-views.service';
import { TeamsService } from './teams.service';
import { UsersService } from './users.service';
import { CustomersModule } from '../customers/customers.module';
import { UsersController } from './users.controller';
import { StoreModule } from '../store/store.module';

/** Teams, internal users and organizations: the management API and the lookups the gateway makes per key. */
@Module({
  imports: [
    DatabaseModule.forFeature([TeamEntity, UserEntity, TeamMembershipEntity, OrganizationEntity, OrganizationMemberEntity]),
    KeysModule,
    SpendModule,
    AuditModule,
    CustomersModule,
    StoreModule,
  ],
  controllers: [TeamsController, UsersController, OrganizationsController],
  providers: [TeamsRepository, TeamViews, TeamsService, MembershipsService, UsersService, OrganizationsService, TeamDirectory],
  exports: [TeamDirectory, UsersService],
})
export class TeamsModule {}

import { Body, Controller, Get, HttpCode, Post, Query, Req, UsePipes } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Audited, Route } from '../common/access/route.decorator';
import { RouteClass } from '../common/access/route-class';
import { MemberAddDto, MemberDeleteDto, MemberUpdateDto, NewTeamDto, TeamIdDto, TeamIdsDto, TeamInfoQueryDto, TeamListQueryDto, UpdateTeamDto } from './dto/team-request.dto';
import { DeleteTeamsResponseDto, TeamInfoResponseDto, TeamMemberAddResponseDto, TeamMemberUpdateResponseDto, TeamRowDto, UpdateTeamResponseDto } from './dto/team-response.dto';
import { MembershipsService } from './memberships.service';
import { TeamsService } from './teams.service';
import { requestValidationPipe } from '../common/http/request-validation.pipe';

/** LiteLLM's team API. Proxy admins only in this first pass. */
@ApiTags('Teams')
@Controller()
@UsePipes(requestValidationPipe())
export class TeamsController {
  constructor(
    private readonly teams: TeamsService,
    private readonly members: MembershipsService,
  ) {}

  @Post('/team/new')
  @Audited('LiteLLM_TeamTable')
  @Route(RouteClass.Management, 'management_routes', 'org_admin_only_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Create a team; the caller becomes an admin member' })
  @ApiBody({ type: NewTeamDto })
  @ApiOkResponse({ type: TeamRowDto })
  createTeam(@Req() request: FastifyRequest, @Body() body: NewTeamDto): Promise<TeamRowDto> {
    return this.teams.createTeam(request.auth, body);
  }

  @Post('/team/update')
  @Audited('LiteLLM_TeamTable')
  @Route(RouteClass.Management, 'management_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Change a team: {team_id, data}' })
  @ApiBody({ type: UpdateTeamDto })
  @ApiOkResponse({ type: UpdateTeamResponseDto })
  updateTeam(@Body() body: UpdateTeamDto): Promise<UpdateTeamResponseDto> {
    return this.teams.updateTeam(body);
  }

  @Post('/team/delete')
  @Audited('LiteLLM_TeamTable')
  @Route(RouteClass.Management, 'management_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Delete teams (all or none: 404 when one does not exist)' })
  @ApiBody({ type: TeamIdsDto })
  @ApiOkResponse({ type: DeleteTeamsResponseDto })
  deleteTeams(@Body() body: TeamIdsDto): Promise<DeleteTeamsResponseDto> {
    return this.teams.deleteTeams(body.team_ids);
  }

  @Get('/team/info')
  @Route(RouteClass.Management, 'management_routes', 'info_routes', 'internal_user_routes')
  @ApiOperation({ summary: 'Describe a team, with its keys and memberships' })
  @ApiOkResponse({ type: TeamInfoResponseDto })
  describeTeam(@Req() request: FastifyRequest, @Query() query: TeamInfoQueryDto): Promise<TeamInfoResponseDto> {
    return this.teams.describeTeam(request.auth, query.team_id);
  }

  @Get('/team/list')
  @Route(RouteClass.Management, 'management_routes', 'info_routes')
  @ApiOperation({ summary: 'List teams, oldest first' })
  @ApiOkResponse({ type: [TeamRowDto] })
  listTeams(@Query() query: TeamListQueryDto): Promise<TeamRowDto[]> {
    return this.teams.listTeams(query);
  }

  @Post('/team/member_add')
  @Audited('LiteLLM_TeamTable')
  @Route(RouteClass.Management, 'management_routes', 'self_managed_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Add one member or a list (by user_id or user_email); unknown users are created' })
  @ApiBody({ type: MemberAddDto })
  @ApiOkResponse({ type: TeamMemberAddResponseDto })
  addMembers(@Req() request: FastifyRequest, @Body() body: MemberAddDto): Promise<TeamMemberAddResponseDto> {
    return this.members.addTeamMembers(request.auth, body);
  }

  @Post('/team/member_delete')
  @Audited('LiteLLM_TeamTable')
  @Route(RouteClass.Management, 'management_routes', 'self_managed_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Remove a member from a team' })
  @ApiBody({ type: MemberDeleteDto })
  @ApiOkResponse({ type: TeamRowDto })
  removeMember(@Req() request: FastifyRequest, @Body() body: MemberDeleteDto): Promise<TeamRowDto> {
    return this.members.removeTeamMember(request.auth, body);
  }

  @Post('/team/member_update')
  @Audited('LiteLLM_TeamTable')
  @Route(RouteClass.Management, 'management_routes', 'self_managed_routes')
  @HttpCode(200)
  @ApiOperation({ summary: "Change a member's role or budget inside the team" })
  @ApiBody({ type: MemberUpdateDto })
  @ApiOkResponse({ type: TeamMemberUpdateResponseDto })
  updateMember(@Req() request: FastifyRequest, @Body() body: MemberUpdateDto): Promise<TeamMemberUpdateResponseDto> {
    return this.members.updateTeamMember(request.auth, body);
  }

  @Post('/team/block')
  @Audited('LiteLLM_TeamTable')
  @Route(RouteClass.Management, 'management_routes')
  @HttpCode(200)
  @ApiOperation({ summary: "Block a team: its keys' LLM calls are refused" })
  @ApiBody({ type: TeamIdDto })
  @ApiOkResponse({ type: TeamRowDto })
  block(@Body() body: TeamIdDto): Promise<TeamRowDto> {
    return this.teams.setTeamBlocked(body.team_id, true);
  }

  @Post('/team/unblock')
  @Audited('LiteLLM_TeamTable')
  @Route(RouteClass.Management, 'management_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Unblock a team' })
  @ApiBody({ type: TeamIdDto })
  @ApiOkResponse({ type: TeamRowDto })
  unblock(@Body() body: TeamIdDto): Promise<TeamRowDto> {
    return this.teams.setTeamBlocked(body.team_id, false);
  }
}

import { Body, Controller, Get, HttpCode, Post, Query, Req, UsePipes } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Audited, Route } from '../common/access/route.decorator';
import { RouteClass } from '../common/access/route-class';
import {
  NewOrganizationDto,
  OrganizationIdsDto,
  OrganizationInfoQueryDto,
  OrganizationMemberAddDto,
  OrganizationsInfoDto,
  UpdateOrganizationDto,
} from './dto/organization-request.dto';
import { OrganizationInfoDto, OrganizationMemberAddResponseDto, OrganizationRowDto } from './dto/organization-response.dto';
import { OrganizationsService } from './organizations.service';
import { requestValidationPipe } from '../common/http/request-validation.pipe';

/** LiteLLM's organization API. Proxy admins only in this first pass. */
@ApiTags('Organizations')
@Controller()
@UsePipes(requestValidationPipe())
export class OrganizationsController {
  constructor(private readonly organizations: OrganizationsService) {}

  @Post('/organization/new')
  @Audited('LiteLLM_OrganizationTable')
  @Route(RouteClass.Management, 'management_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Create an organization (inline budget fields create its budget row)' })
  @ApiBody({ type: NewOrganizationDto })
  @ApiOkResponse({ type: OrganizationRowDto })
  create(@Req() request: FastifyRequest, @Body() body: NewOrganizationDto): Promise<OrganizationRowDto> {
    return this.organizations.create(request.auth, body);
  }

  @Get('/organization/info')
  @Route(RouteClass.Management, 'management_routes', 'info_routes', 'org_admin_only_routes')
  @ApiOperation({ summary: 'Describe an organization, with its members and teams' })
  @ApiOkResponse({ type: OrganizationInfoDto })
  describe(@Req() request: FastifyRequest, @Query() query: OrganizationInfoQueryDto): Promise<OrganizationInfoDto> {
    return this.organizations.describe(request.auth, query.organization_id);
  }

  @Post('/organization/info')
  @Route(RouteClass.Management, 'management_routes', 'info_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Describe several organizations' })
  @ApiBody({ type: OrganizationsInfoDto })
  @ApiOkResponse({ type: [OrganizationInfoDto] })
  describeMany(@Body() body: OrganizationsInfoDto): Promise<OrganizationInfoDto[]> {
    return this.organizations.describeMany(body.organizations);
  }

  @Post('/organization/update')
  @Audited('LiteLLM_OrganizationTable')
  @Route(RouteClass.Management, 'management_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Change an organization: the fields given (non-null) change' })
  @ApiBody({ type: UpdateOrganizationDto })
  @ApiOkResponse({ type: OrganizationRowDto })
  update(@Body() body: UpdateOrganizationDto): Promise<OrganizationRowDto> {
    return this.organizations.update(body);
  }

  @Post('/organization/delete')
  @Audited('LiteLLM_OrganizationTable')
  @Route(RouteClass.Management, 'management_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Delete organizations (all or none: 404 when one does not exist); their teams and users keep no organization' })
  @ApiBody({ type: OrganizationIdsDto })
  @ApiOkResponse({ type: [OrganizationRowDto] })
  delete(@Body() body: OrganizationIdsDto): Promise<OrganizationRowDto[]> {
    return this.organizations.delete(body.organization_ids);
  }

  @Get('/organization/list')
  @Route(RouteClass.Management, 'management_routes', 'info_routes')
  @ApiOperation({ summary: 'List every organization, oldest first' })
  @ApiOkResponse({ type: [OrganizationRowDto] })
  list(): Promise<OrganizationRowDto[]> {
    return this.organizations.list();
  }

  @Post('/organization/member_add')
  @Audited('LiteLLM_OrganizationTable')
  @Route(RouteClass.Management, 'management_routes', 'org_admin_only_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Add existing users (by user_id or user_email) to an organization with a role' })
  @ApiBody({ type: OrganizationMemberAddDto })
  @ApiOkResponse({ type: OrganizationMemberAddResponseDto })
  addMembers(@Req() request: FastifyRequest, @Body() body: OrganizationMemberAddDto): Promise<OrganizationMemberAddResponseDto> {
    return this.organizations.addMembers(request.auth, body);
  }
}

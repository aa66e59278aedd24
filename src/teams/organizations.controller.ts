import { Body, Controller, Get, HttpCode, Post, Query, Req, UsePipes } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
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
import { OrganizationsService } from './organizations.service';
import { requestValidationPipe } from '../common/http/request-validation.pipe';

type Json = Record<string, unknown>;

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
  create(@Req() request: FastifyRequest, @Body() body: NewOrganizationDto): Promise<Json> {
    return this.organizations.create(request.auth, body);
  }

  @Get('/organization/info')
  @Route(RouteClass.Management, 'management_routes', 'info_routes', 'org_admin_only_routes')
  @ApiOperation({ summary: 'Describe an organization, with its members and teams' })
  describe(@Req() request: FastifyRequest, @Query() query: OrganizationInfoQueryDto): Promise<Json> {
    return this.organizations.describe(request.auth, query.organization_id);
  }

  @Post('/organization/info')
  @Route(RouteClass.Management, 'management_routes', 'info_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Describe several organizations' })
  @ApiBody({ type: OrganizationsInfoDto })
  describeMany(@Body() body: OrganizationsInfoDto): Promise<Json[]> {
    return this.organizations.describeMany(body.organizations);
  }

  @Post('/organization/update')
  @Audited('LiteLLM_OrganizationTable')
  @Route(RouteClass.Management, 'management_routes')
  @HttpCode(200)
  @ApiBody({ type: UpdateOrganizationDto })
  update(@Body() body: UpdateOrganizationDto): Promise<Json> {
    return this.organizations.update(body);
  }

  @Post('/organization/delete')
  @Audited('LiteLLM_OrganizationTable')
  @Route(RouteClass.Management, 'management_routes')
  @HttpCode(200)
  @ApiBody({ type: OrganizationIdsDto })
  delete(@Body() body: OrganizationIdsDto): Promise<Json[]> {
    return this.organizations.delete(body.organization_ids);
  }

  @Get('/organization/list')
  @Route(RouteClass.Management, 'management_routes', 'info_routes')
  list(): Promise<Json[]> {
    return this.organizations.list();
  }

  @Post('/organization/member_add')
  @Audited('LiteLLM_OrganizationTable')
  @Route(RouteClass.Management, 'management_routes', 'org_admin_only_routes')
  @HttpCode(200)
  @ApiBody({ type: OrganizationMemberAddDto })
  addMembers(@Req() request: FastifyRequest, @Body() body: OrganizationMemberAddDto): Promise<Json> {
    return this.organizations.addMembers(request.auth, body);
  }
}

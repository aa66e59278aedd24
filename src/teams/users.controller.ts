import { Body, Controller, Get, HttpCode, Post, Query, Req, UsePipes } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Audited, Route } from '../common/access/route.decorator';
import { RouteClass } from '../common/access/route-class';
import { NewUserDto, UpdateUserDto, UserIdsDto, UserInfoQueryDto, UserListQueryDto } from './dto/user-request.dto';
import { UserRowDto } from './dto/team-response.dto';
import { DeleteUsersResponseDto, NewUserResponseDto, UserInfoResponseDto, UserListResponseDto } from './dto/user-response.dto';
import { UsersService } from './users.service';
import { requestValidationPipe } from '../common/http/request-validation.pipe';

/** LiteLLM's internal-user API. Proxy admins only in this first pass. */
@ApiTags('Internal users')
@Controller()
@UsePipes(requestValidationPipe())
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post('/user/new')
  @Audited('LiteLLM_UserTable')
  @Route(RouteClass.Management, 'management_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Create an internal user; returns the user plus a generated key' })
  @ApiBody({ type: NewUserDto })
  @ApiOkResponse({ type: NewUserResponseDto })
  createUser(@Req() request: FastifyRequest, @Body() body: NewUserDto): Promise<NewUserResponseDto> {
    return this.users.createUser(request.auth, body);
  }

  @Get('/user/info')
  @Route(RouteClass.Management, 'management_routes', 'info_routes', 'internal_user_routes')
  @ApiOperation({ summary: 'Describe a user, with its keys and teams' })
  @ApiOkResponse({ type: UserInfoResponseDto })
  describeUser(@Req() request: FastifyRequest, @Query() query: UserInfoQueryDto): Promise<UserInfoResponseDto> {
    return this.users.describeUser(request.auth, query.user_id);
  }

  @Post('/user/update')
  @Audited('LiteLLM_UserTable')
  @Route(RouteClass.Management, 'management_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Change a user (spend included); unknown user_ids are created' })
  @ApiBody({ type: UpdateUserDto })
  @ApiOkResponse({ type: UserRowDto })
  updateUser(@Body() body: UpdateUserDto): Promise<UserRowDto> {
    return this.users.updateUser(body);
  }

  @Post('/user/delete')
  @Audited('LiteLLM_UserTable')
  @Route(RouteClass.Management, 'management_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Delete users with their keys (all or none: 404 when one does not exist)' })
  @ApiBody({ type: UserIdsDto })
  @ApiOkResponse({ type: DeleteUsersResponseDto })
  deleteUsers(@Req() request: FastifyRequest, @Body() body: UserIdsDto): Promise<DeleteUsersResponseDto> {
    return this.users.deleteUsers(request.auth, body.user_ids);
  }

  @Get('/user/list')
  @Route(RouteClass.Management, 'management_routes', 'info_routes')
  @ApiOperation({ summary: 'List users, oldest first, paginated' })
  @ApiOkResponse({ type: UserListResponseDto })
  listUsers(@Query() query: UserListQueryDto): Promise<UserListResponseDto> {
    return this.users.listUsers(query);
  }
}

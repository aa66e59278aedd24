import { Body, Controller, Get, HttpCode, Post, Query, Req, UsePipes } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Audited, Route } from '../common/access/route.decorator';
import { RouteClass } from '../common/access/route-class';
import { CustomerIdsDto } from './dto/budget-request.dto';
import { CustomerInfoQueryDto, CustomerListQueryDto, NewCustomerDto, UpdateCustomerDto } from './dto/customer-request.dto';
import { BlockCustomersResponseDto, CustomerRowDto, DeleteCustomersResponseDto, UnblockCustomersResponseDto } from './dto/customer-response.dto';
import { CustomersService } from './customers.service';
import { requestValidationPipe } from '../common/http/request-validation.pipe';

const DEFAULT_CUSTOMER_PAGE_SIZE = 50;

/** LiteLLM's customer (end user) API, under `/customer/*` and its older name `/end_user/*`. Proxy admins only. */
@ApiTags('Customers')
@Controller()
@UsePipes(requestValidationPipe())
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

  @Post(['/customer/new', '/end_user/new'])
  @Audited('LiteLLM_EndUserTable')
  @Route(RouteClass.AdminOnly, 'management_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Create a customer; inline budget fields create its budget row, or pass a shared budget_id' })
  @ApiBody({ type: NewCustomerDto })
  @ApiOkResponse({ type: CustomerRowDto })
  @ApiUnprocessableEntityResponse({ description: 'default_model is not a model group of the proxy' })
  createCustomer(@Req() request: FastifyRequest, @Body() body: NewCustomerDto): Promise<CustomerRowDto> {
    return this.customers.createCustomer(request.auth, body);
  }

  @Get(['/customer/info', '/end_user/info'])
  @Route(RouteClass.AdminOnly, 'management_routes', 'info_routes')
  @ApiOperation({ summary: 'Describe a customer, with its budget row' })
  @ApiOkResponse({ type: CustomerRowDto })
  describeCustomer(@Query() query: CustomerInfoQueryDto): Promise<CustomerRowDto> {
    return this.customers.describeCustomer(query.end_user_id);
  }

  @Post(['/customer/update', '/end_user/update'])
  @Audited('LiteLLM_EndUserTable')
  @Route(RouteClass.AdminOnly, 'management_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Change a customer; budget fields change its budget row (shared with every customer on it)' })
  @ApiBody({ type: UpdateCustomerDto })
  @ApiOkResponse({ type: CustomerRowDto })
  updateCustomer(@Req() request: FastifyRequest, @Body() body: UpdateCustomerDto): Promise<CustomerRowDto> {
    return this.customers.updateCustomer(request.auth, body);
  }

  @Post(['/customer/delete', '/end_user/delete'])
  @Audited('LiteLLM_EndUserTable')
  @Route(RouteClass.AdminOnly, 'management_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Delete customers (all or none: 404 when one does not exist)' })
  @ApiBody({ type: CustomerIdsDto })
  @ApiOkResponse({ type: DeleteCustomersResponseDto })
  deleteCustomers(@Body() body: CustomerIdsDto): Promise<DeleteCustomersResponseDto> {
    return this.customers.deleteCustomers(body.user_ids);
  }

  @Get(['/customer/list', '/end_user/list'])
  @Route(RouteClass.AdminOnly, 'management_routes', 'info_routes')
  @ApiOperation({ summary: 'List every customer, oldest first; or one page of them with page / page_size' })
  @ApiOkResponse({ type: [CustomerRowDto] })
  listCustomers(@Query() query: CustomerListQueryDto): Promise<CustomerRowDto[]> {
    const paged = query.page !== undefined || query.page_size !== undefined;
    return this.customers.listCustomers(paged ? { page: query.page ?? 1, size: query.page_size ?? DEFAULT_CUSTOMER_PAGE_SIZE } : null);
  }

  // /user/block and /user/unblock are LiteLLM's legacy spellings for end users, still in its docs.
  @Post(['/customer/block', '/end_user/block', '/user/block'])
  @Audited('LiteLLM_EndUserTable')
  @Route(RouteClass.AdminOnly, 'management_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Block end users (rows are created for unknown ids): their LLM calls are refused' })
  @ApiBody({ type: CustomerIdsDto })
  @ApiOkResponse({ type: BlockCustomersResponseDto })
  blockCustomers(@Body() body: CustomerIdsDto): Promise<BlockCustomersResponseDto> {
    return this.customers.blockCustomers(body.user_ids);
  }

  @Post(['/customer/unblock', '/end_user/unblock', '/user/unblock'])
  @Audited('LiteLLM_EndUserTable')
  @Route(RouteClass.AdminOnly, 'management_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Unblock end users (also removes them from litellm_settings.blocked_user_list until restart)' })
  @ApiBody({ type: CustomerIdsDto })
  @ApiOkResponse({ type: UnblockCustomersResponseDto })
  unblockCustomers(@Body() body: CustomerIdsDto): Promise<UnblockCustomersResponseDto> {
    return this.customers.unblockCustomers(body.user_ids);
  }
}

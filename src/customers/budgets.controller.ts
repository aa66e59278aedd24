import { Body, Controller, Get, HttpCode, Post, Query, Req, UsePipes } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Audited, Route } from '../common/access/route.decorator';
import { RouteClass } from '../common/access/route-class';
import { BudgetInfoQueryDto, BudgetsInfoDto, DeleteBudgetDto, NewBudgetDto, UpdateBudgetDto } from './dto/budget-request.dto';
import { BudgetRowDto } from './dto/customer-response.dto';
import { CustomersService } from './customers.service';
import { requestValidationPipe } from '../common/http/request-validation.pipe';

/** LiteLLM's shared budgets (`LiteLLM_BudgetTable`), e.g. a "free-tier" that many customers use. Proxy admins only. */
@ApiTags('Budgets')
@Controller()
@UsePipes(requestValidationPipe())
export class BudgetsController {
  constructor(private readonly customers: CustomersService) {}

  @Post('/budget/new')
  @Audited('LiteLLM_BudgetTable')
  @Route(RouteClass.AdminOnly, 'management_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Create a budget (id generated when unset)' })
  @ApiBody({ type: NewBudgetDto })
  @ApiOkResponse({ type: BudgetRowDto })
  createBudget(@Req() request: FastifyRequest, @Body() body: NewBudgetDto): Promise<BudgetRowDto> {
    return this.customers.createBudget(request.auth, body);
  }

  @Post('/budget/info')
  @Route(RouteClass.AdminOnly, 'management_routes', 'info_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Describe budgets by id (those that exist)' })
  @ApiBody({ type: BudgetsInfoDto })
  @ApiOkResponse({ type: [BudgetRowDto] })
  describeBudgets(@Body() body: BudgetsInfoDto): Promise<BudgetRowDto[]> {
    return this.customers.describeBudgets(body.budgets);
  }

  @Get('/budget/info')
  @Route(RouteClass.AdminOnly, 'management_routes', 'info_routes')
  @ApiOperation({ summary: 'Describe one budget' })
  @ApiOkResponse({ type: BudgetRowDto })
  describeBudget(@Query() query: BudgetInfoQueryDto): Promise<BudgetRowDto> {
    return this.customers.describeBudget(query.budget_id);
  }

  @Post('/budget/update')
  @Audited('LiteLLM_BudgetTable')
  @Route(RouteClass.AdminOnly, 'management_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Change a budget: the fields present change (null clears); its customers see it on their next call' })
  @ApiBody({ type: UpdateBudgetDto })
  @ApiOkResponse({ type: BudgetRowDto })
  updateBudget(@Req() request: FastifyRequest, @Body() body: UpdateBudgetDto): Promise<BudgetRowDto> {
    return this.customers.updateBudget(request.auth, body);
  }

  @Post('/budget/delete')
  @Audited('LiteLLM_BudgetTable')
  @Route(RouteClass.AdminOnly, 'management_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Delete a budget; its customers keep no budget' })
  @ApiBody({ type: DeleteBudgetDto })
  @ApiOkResponse({ type: BudgetRowDto })
  deleteBudget(@Body() body: DeleteBudgetDto): Promise<BudgetRowDto> {
    return this.customers.deleteBudget(body.id);
  }

  @Get('/budget/list')
  @Route(RouteClass.AdminOnly, 'management_routes', 'info_routes')
  @ApiOperation({ summary: 'List every budget, oldest first' })
  @ApiOkResponse({ type: [BudgetRowDto] })
  listBudgets(): Promise<BudgetRowDto[]> {
    return this.customers.listBudgets();
  }
}

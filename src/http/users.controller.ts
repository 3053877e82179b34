import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { User } from '../auth/access';
import { Users } from '../auth/users';
import { Act, CurrentUser } from './guard';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('api/v1')
export class UsersController {
  constructor(private readonly users: Users) {}

  @Get('me')
  @ApiOperation({ summary: 'Who the token belongs to: id, name, roles, counties, units' })
  me(@CurrentUser() user: User) {
    return user;
  }

  @Post('admin/users')
  @HttpCode(201)
  @Act('users.manage')
  @ApiOperation({ summary: 'Create a user {id, name, roles, counties, units} within what you hold (403 naming what you cannot grant); answers the bearer token once, and when it expires' })
  async create(@CurrentUser() user: User, @Body() body: unknown) {
    const { user: created, token, tokenExpiresAt } = await this.users.createAs(user, body);
    return { ...created, token, tokenExpiresAt };
  }

  @Get('admin/users')
  @Act('users.manage')
  @ApiOperation({ summary: 'The users you manage (whose every county and role you hold), with token expiry and whether disabled' })
  async list(@CurrentUser() user: User) {
    return { items: await this.users.list(user) };
  }

  @Get('admin/users/:id')
  @Act('users.manage')
  get(@CurrentUser() user: User, @Param('id') id: string) {
    return this.users.get(user, id);
  }

  @Post('admin/users/:id/disable')
  @HttpCode(200)
  @Act('users.manage')
  @ApiOperation({ summary: 'Disable a user: their token is refused from now on' })
  disable(@CurrentUser() user: User, @Param('id') id: string) {
    return this.users.disable(user, id);
  }

  @Post('admin/users/:id/enable')
  @HttpCode(200)
  @Act('users.manage')
  enable(@CurrentUser() user: User, @Param('id') id: string) {
    return this.users.enable(user, id);
  }

  @Post('admin/users/:id/token')
  @HttpCode(200)
  @Act('users.manage')
  @ApiOperation({ summary: 'Give a user a new token (the old one stops working); answers it once' })
  rotate(@CurrentUser() user: User, @Param('id') id: string) {
    return this.users.rotate(user, id);
  }

  @Post('me/token')
  @HttpCode(200)
  @ApiOperation({ summary: 'A new token for yourself (the current one stops working); answers it once, and when it expires' })
  rotateOwn(@CurrentUser() user: User) {
    return this.users.rotateOwn(user);
  }
}

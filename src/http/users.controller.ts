import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { User } from '../auth/access';
import { NewUser, Users } from '../auth/users';
import { CurrentUser, Roles } from './guard';

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
  @Roles('admin')
  @ApiOperation({ summary: 'Create a user {id, name, roles, counties, units}; answers the bearer token once' })
  async create(@Body() body: NewUser) {
    const { user, token } = await this.users.create(body);
    return { ...user, token };
  }
}

#!/usr/bin/python3
"""prepare.py: what the Tryton e2e test needs on top of ../shared/tryton/setup.py.

Run with Debian's interpreter, the server NOT running (SQLite, in-process):
    /usr/bin/python3 prepare.py trytond.conf DBNAME

Adds, idempotently:
  - the currencies of the sandbox's marketplaces (USD, CAD, GBP, JPY with no
    decimals; EUR is the company's), each with a rate 1 from 2000-01-01;
  - products SKU-0001..SKU-0040 (goods, category "Marketplace goods"), as the
    sandbox's generated orders use them;
  - the service products the adapter puts the order's other amounts on:
    MKT-SHIPPING, MKT-DISCOUNT, MKT-GIFTWRAP, MKT-OTHER (revenue account) and
    MKT-TAX (its revenue account is the tax account: the marketplace's tax);
"""
import datetime
import sys
from decimal import Decimal

from proteus import Model, config as pconfig

conf_file, dbname = sys.argv[1], sys.argv[2]
config = pconfig.set_trytond(database=dbname, config_file=conf_file)
User = Model.get('res.user')
config._context = User.get_preferences(True, {})

Currency = Model.get('currency.currency')
Rate = Model.get('currency.currency.rate')
for code, digits in (('USD', 2), ('CAD', 2), ('GBP', 2), ('JPY', 0)):
    if Currency.find([('code', '=', code)]):
        continue
    cur = Currency(name=code, symbol=code, code=code, digits=digits,
        rounding=Decimal(1) / (10 ** digits))
    cur.save()
    Rate(date=datetime.date(2000, 1, 1), rate=Decimal(1), currency=cur).save()

Account = Model.get('account.account')
Category = Model.get('product.category')
Uom = Model.get('product.uom')
Template = Model.get('product.template')
Product = Model.get('product.product')
unit, = Uom.find([('name', '=', 'Unit')])
goods, = Category.find([('name', '=', 'Marketplace goods')])
revenue, = Account.find([('name', '=', 'Main Revenue')])
expense, = Account.find([('name', '=', 'Main Expense')])
# The marketplace's tax goes onto a product line; its revenue account is an
# account of its own (a category's revenue account must be of a revenue type).
found = Account.find([('name', '=', 'Marketplace Tax Collected')])
if found:
    tax_account = found[0]
else:
    tax_account = Account(name='Marketplace Tax Collected', type=revenue.type,
        parent=revenue.parent)
    tax_account.save()


def category(name, revenue_account):
    found = Category.find([('name', '=', name)])
    if found:
        return found[0]
    cat = Category(name=name, accounting=True)
    cat.account_revenue = revenue_account
    cat.account_expense = expense
    cat.save()
    return cat


charges = category('Marketplace charges', revenue)
taxes = category('Marketplace tax', tax_account)


def product(code, name, kind, cat, price):
    if Product.find([('code', '=', code)]):
        return
    t = Template(name=name, code=code, type=kind, default_uom=unit,
        salable=True, sale_uom=unit, list_price=price, account_category=cat)
    t.save()


for i in range(1, 41):
    product('SKU-%04d' % i, 'Marketplace item %d' % i, 'goods', goods,
        Decimal('10.00'))
product('MKT-SHIPPING', 'Marketplace shipping', 'service', charges, Decimal(0))
product('MKT-DISCOUNT', 'Marketplace discount', 'service', charges, Decimal(0))
product('MKT-GIFTWRAP', 'Marketplace gift wrap', 'service', charges, Decimal(0))
product('MKT-OTHER', 'Marketplace other charges', 'service', charges, Decimal(0))
product('MKT-TAX', 'Marketplace tax', 'service', taxes, Decimal(0))

print('prepared: currencies USD CAD GBP JPY, products SKU-0001..SKU-0040 and MKT-*')

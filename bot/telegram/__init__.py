"""The aiogram adapter: the only package that imports aiogram."""

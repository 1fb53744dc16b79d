"""Tests that run psos workbooks through headless LibreOffice (marker: realclient)."""

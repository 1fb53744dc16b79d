"""The workbook contract: reading and writing the three kinds of psos workbook."""

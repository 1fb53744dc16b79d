Function PSOS_HOURS(sku, role, Optional basis, Optional workspace, Optional roles, Optional services, Optional complexity, Optional risks, Optional settings, Optional actuals)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        PSOS_HOURS = XLPy.CallUDF("psos_xl.udfs.functions", "PSOS_HOURS", Array(sku, role, basis, workspace, roles, services, complexity, risks, settings, actuals), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        PSOS_HOURS = XLPy.CallUDF("psos_xl.udfs.functions", "PSOS_HOURS", Array(sku, role, basis, workspace, roles, services, complexity, risks, settings, actuals))
        Exit Function
    #End If
failed:
    PSOS_HOURS = Err.Description
End Function

Function PSOS_LINE(deliverable, scope_info, deliverables, Optional overrides, Optional figure, Optional basis, Optional workspace, Optional roles, Optional services, Optional complexity, Optional risks, Optional settings, Optional actuals)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        PSOS_LINE = XLPy.CallUDF("psos_xl.udfs.functions", "PSOS_LINE", Array(deliverable, scope_info, deliverables, overrides, figure, basis, workspace, roles, services, complexity, risks, settings, actuals), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        PSOS_LINE = XLPy.CallUDF("psos_xl.udfs.functions", "PSOS_LINE", Array(deliverable, scope_info, deliverables, overrides, figure, basis, workspace, roles, services, complexity, risks, settings, actuals))
        Exit Function
    #End If
failed:
    PSOS_LINE = Err.Description
End Function

Function PSOS_MARGIN(scope_info, deliverables, Optional overrides, Optional basis, Optional workspace, Optional roles, Optional services, Optional complexity, Optional risks, Optional settings, Optional actuals)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        PSOS_MARGIN = XLPy.CallUDF("psos_xl.udfs.functions", "PSOS_MARGIN", Array(scope_info, deliverables, overrides, basis, workspace, roles, services, complexity, risks, settings, actuals), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        PSOS_MARGIN = XLPy.CallUDF("psos_xl.udfs.functions", "PSOS_MARGIN", Array(scope_info, deliverables, overrides, basis, workspace, roles, services, complexity, risks, settings, actuals))
        Exit Function
    #End If
failed:
    PSOS_MARGIN = Err.Description
End Function

Function PSOS_PRICE(scope_info, deliverables, Optional overrides, Optional basis, Optional workspace, Optional roles, Optional services, Optional complexity, Optional risks, Optional settings, Optional actuals)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        PSOS_PRICE = XLPy.CallUDF("psos_xl.udfs.functions", "PSOS_PRICE", Array(scope_info, deliverables, overrides, basis, workspace, roles, services, complexity, risks, settings, actuals), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        PSOS_PRICE = XLPy.CallUDF("psos_xl.udfs.functions", "PSOS_PRICE", Array(scope_info, deliverables, overrides, basis, workspace, roles, services, complexity, risks, settings, actuals))
        Exit Function
    #End If
failed:
    PSOS_PRICE = Err.Description
End Function

Function PSOS_QUOTE(scope_info, deliverables, Optional overrides, Optional basis, Optional workspace, Optional roles, Optional services, Optional complexity, Optional risks, Optional settings, Optional actuals)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        PSOS_QUOTE = XLPy.CallUDF("psos_xl.udfs.functions", "PSOS_QUOTE", Array(scope_info, deliverables, overrides, basis, workspace, roles, services, complexity, risks, settings, actuals), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        PSOS_QUOTE = XLPy.CallUDF("psos_xl.udfs.functions", "PSOS_QUOTE", Array(scope_info, deliverables, overrides, basis, workspace, roles, services, complexity, risks, settings, actuals))
        Exit Function
    #End If
failed:
    PSOS_QUOTE = Err.Description
End Function

Function PSOS_RATE(role, on_date, Optional kind, Optional workspace, Optional roles)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        PSOS_RATE = XLPy.CallUDF("psos_xl.udfs.functions", "PSOS_RATE", Array(role, on_date, kind, workspace, roles), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        PSOS_RATE = XLPy.CallUDF("psos_xl.udfs.functions", "PSOS_RATE", Array(role, on_date, kind, workspace, roles))
        Exit Function
    #End If
failed:
    PSOS_RATE = Err.Description
End Function

Function PSOS_VALIDATE(scope_info, deliverables, Optional overrides, Optional assumptions, Optional workspace, Optional roles, Optional services, Optional complexity, Optional risks, Optional settings, Optional actuals)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        PSOS_VALIDATE = XLPy.CallUDF("psos_xl.udfs.functions", "PSOS_VALIDATE", Array(scope_info, deliverables, overrides, assumptions, workspace, roles, services, complexity, risks, settings, actuals), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        PSOS_VALIDATE = XLPy.CallUDF("psos_xl.udfs.functions", "PSOS_VALIDATE", Array(scope_info, deliverables, overrides, assumptions, workspace, roles, services, complexity, risks, settings, actuals))
        Exit Function
    #End If
failed:
    PSOS_VALIDATE = Err.Description
End Function

